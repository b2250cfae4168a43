"""sheetsales' own sheets (Reminders, Summary) in the write journal, so `undo` gives a Google
Sheet back exactly as it was: a write journals every cell of them it changed (old and new),
and undo writes the old values back, or, when that write created the sheet (its cell A1 was
blank before: sheetsales' sheets always fill it), deletes the sheet again, once every cell
still holds what sheetsales wrote there.

Requests: none more for the journal; undo of created sheets costs 1 batchUpdate
(deleteSheet, which takes the sheet's charts and ownership marker with it)."""

from collections.abc import Iterable

from ...core.errors import WriteConflict
from ...core.model import CellChange, is_blank
from .batch import same_value
from .look import on_column


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
    wrote = {(c.row - 1, c.col - 1): c.new for c in journaled if same_title(c.sheet, title)}
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


def remove_sheets(target, titles: list[str]) -> str:
    """Delete sheetsales' sheets `titles` (one batchUpdate; their charts and markers go with
    them); says so."""
    tabs = [t for t in map(target.grid.tab, titles) if t is not None]
    if not tabs:
        return "sheetsales' sheets " + " and ".join(titles) + " were already gone"
    target.api.batch_update(target.key, {"requests": [{"deleteSheet": {"sheetId": t.id}}
                                                      for t in tabs]})
    target.requests += 1
    for tab in tabs:
        target.grid.tabs.remove(tab)
    plural = "s" if len(tabs) > 1 else ""
    return f"removed the {' and '.join(t.title for t in tabs)} sheet{plural} sheetsales had " \
        "created"


def remove_rules(target, journaled: list[CellChange], parts) -> str | None:
    """Delete the Status colours (look.py) of each deals tab whose status column the undone
    write created (its header cell was blank before), in one batchUpdate; says so, or None
    when there were none. Rules that were there before that write stay."""
    requests = []
    for part in parts:
        tab = target.grid.tab(part.sheet.title)
        column = target._owned.get(tab.id, {}).get("status") if tab else None
        if column is None:
            continue
        made = any(same_title(c.sheet, tab.title) and c.row == part.sheet.header_row and
                   c.col == column + 1 and is_blank(c.old) for c in journaled)
        if made:
            requests += [{"deleteConditionalFormatRule": {"sheetId": tab.id, "index": i}}
                         for i in reversed(range(len(tab.rules)))
                         if on_column(tab.rules[i], tab.id, column)]
    if not requests:
        return None
    target.api.batch_update(target.key, {"requests": requests})
    target.requests += 1
    return f"removed the status colours ({len(requests)} rule{'s' if len(requests) > 1 else ''})"
