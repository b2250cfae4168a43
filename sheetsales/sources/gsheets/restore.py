"""sheetsales' own sheets (Reminders, Summary) in the write journal, so `undo` gives a Google
Sheet back exactly as it was: a write journals every cell of them it changed (old and new),
and undo writes the old values back, or, when that write created the sheet (its cell A1 was
blank before: sheetsales' sheets always fill it), deletes the sheet again, once every cell
still holds what sheetsales wrote there.

The look a write changed on a sheet that was there before is journaled too, as entries on
row 0 (no cell is on row 0; `is_cell` tells them apart): a column's width on its column (old
and new pixels), the filter on column FILTER and the charts on column CHARTS (old: the charts
replaced, whole, as JSON; new: the ids of the charts added). Undo sets the widths and the
filter's range back and puts the old charts back in place of the new (undoing.py). Nothing
else reads the journal; entries of other kinds would go on row 0 too.

Requests: none more for the journal."""

import json
from collections.abc import Iterable

from ...core.errors import WriteConflict
from ...core.model import CellChange, is_blank
from .batch import same_value


LOOK_ROW, FILTER, CHARTS = 0, -1, -2


def is_cell(change: CellChange) -> bool:
    """Whether a journal entry is a cell (not the look of a sheet: see the module docstring)."""
    return change.row > LOOK_ROW


def look_changes(target, requests: list[dict]) -> list[CellChange]:
    """The journal entries of the look `requests` (landed) changed on sheets read before the
    write (a sheet it creates has no widths read, and goes whole on undo)."""
    found, charts = [], {}
    for request in requests:
        if "updateDimensionProperties" in request:
            span = request["updateDimensionProperties"]["range"]
            tab = _read_tab(target, span["sheetId"])
            if tab is None or span.get("dimension") != "COLUMNS":
                continue
            new = request["updateDimensionProperties"]["properties"].get("pixelSize")
            for column in range(span["startIndex"], span["endIndex"]):
                old = _width_before(target, tab, column)
                if old is not None and old != new:
                    found.append(CellChange(tab.title, LOOK_ROW, column + 1, old, new))
        elif "setBasicFilter" in request:
            spec = request["setBasicFilter"]["filter"]
            tab = _read_tab(target, spec["range"]["sheetId"])
            if tab is not None:
                found.append(CellChange(tab.title, LOOK_ROW, FILTER,
                                        json.dumps(tab.basic_filter), json.dumps(spec)))
        elif "addChart" in request:
            chart = request["addChart"]["chart"]
            tab = _read_tab(target, chart["position"]["overlayPosition"]["anchorCell"]["sheetId"])
            if tab is not None:
                charts.setdefault(tab.title, (tab, []))[1].append(chart["chartId"])
        elif "deleteEmbeddedObject" in request:
            gone = request["deleteEmbeddedObject"]["objectId"]
            tab = next((t for t in target.grid.tabs if gone in t.charts), None)
            if _read_tab(target, tab.id if tab else -1) is not None:
                charts.setdefault(tab.title, (tab, []))
    for title, (tab, ids) in charts.items():
        found.append(CellChange(title, LOOK_ROW, CHARTS, json.dumps(tab.embedded),
                                json.dumps(ids)))
    return found


def _read_tab(target, sheet_id: int):
    tab = next((t for t in target.grid.tabs if t.id == sheet_id), None)
    return tab if tab is not None and tab.widths else None  # created by this write


def _width_before(target, tab, column: int) -> int | None:
    """The width column `column` (as after the write) had before it: None for a column the
    write claims, which undo deletes."""
    claimed = target._claiming(tab)
    if claimed:
        columns = [c for _, c, _ in claimed]
        if column in columns:
            return None
        inserted = target._claimed[1]
        if inserted and column >= min(columns):
            column -= inserted
    return tab.widths.get(column, 100)


def same_title(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()  # Sheets titles ignore case


def sheet_changes(title: str, before: list[list], raw: list[list],
                  after: list[list]) -> list[CellChange]:
    """Every cell of sheetsales' own sheet `title` a rewrite changes: `before` its rows as
    read (dates as dates), `raw` the same as stored (dates as serials), `after` the rows
    written."""
    changes = []
    for r in range(max(len(before), len(after))):
        old_row = before[r] if r < len(before) else []
        raw_row = raw[r] if r < len(raw) else []
        new_row = after[r] if r < len(after) else []
        for c in range(max(len(old_row), len(new_row))):
            old = old_row[c] if c < len(old_row) else None
            held = raw_row[c] if c < len(raw_row) else None
            new = new_row[c] if c < len(new_row) else None
            if not same_value(held, new):
                changes.append(CellChange(title, r + 1, c + 1, None if is_blank(old) else old,
                                          None if is_blank(new) else new))
    return changes


def created(journaled: Iterable[CellChange], title: str) -> bool:
    """Whether the journaled write created sheetsales' sheet `title` (see the module
    docstring: its A1 is never blank)."""
    return any(same_title(c.sheet, title) and (c.row, c.col) == (1, 1) and is_blank(c.old)
               and not is_blank(c.new) for c in journaled)


def removable(target, journaled: list[CellChange], title: str) -> None:
    """Refuse (WriteConflict) to delete sheetsales' sheet `title` a write created when a cell
    of it holds anything but what that write put there: a note typed in since, say."""
    tab = target.grid.tab(title)
    if tab is None:
        return
    if not tab.owned:
        raise WriteConflict(f"the sheet {tab.title!r} of {target.name} is no longer marked as "
                            "sheetsales' own, so undo leaves it; delete it by hand if you wish")
    wrote = {(c.row - 1, c.col - 1): c.new for c in journaled
             if same_title(c.sheet, title) and is_cell(c)}
    rows = target.grid.values(tab.title)
    cells = {(r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if not is_blank(v)}
    for r, c in sorted(cells | set(wrote)):
        held = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
        if not same_value(held, wrote.get((r, c))):
            where = f"{tab.title}!{CellChange(tab.title, r + 1, c + 1, None, None).cell}"
            raise WriteConflict(
                f"undo would delete the {tab.title} sheet sheetsales created, but {where} "
                f"holds {held!r}, typed or changed since; copy what you typed elsewhere, "
                "then run undo again. Nothing was undone")
