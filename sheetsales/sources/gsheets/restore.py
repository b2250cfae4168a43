"""The Reminders sheet in the write journal, so `undo` gives a Google Sheet back exactly as it
was: a write journals every Reminders cell it changed (old and new), and undo writes the old
values back, or, when that write created the sheet (its header cell A1 was blank before:
sheetsales' Reminders sheet always has one), deletes the sheet again, once every cell still
holds what sheetsales wrote there.

Requests: none more for the journal; undo of a created sheet costs 1 batchUpdate
(deleteSheet, which takes the sheet's ownership marker with it)."""

from collections.abc import Iterable

from ...core.errors import WriteConflict
from ...core.model import CellChange, is_blank
from ...core.owned import REMINDERS_SHEET
from .batch import same_value


def is_reminders(title: str) -> bool:
    return title.casefold() == REMINDERS_SHEET.casefold()  # Sheets titles ignore case


def reminders_changes(title: str, before: list[list], raw: list[list],
                      after: list[list]) -> list[CellChange]:
    """Every cell of the Reminders sheet `title` a rewrite changes: `before` its rows as read
    (dates as dates), `raw` the same as stored (dates as serials), `after` the rows written."""
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


def created(journaled: Iterable[CellChange]) -> bool:
    """Whether the journaled write created the Reminders sheet (see the module docstring)."""
    return any(is_reminders(c.sheet) and (c.row, c.col) == (1, 1) and is_blank(c.old)
               and not is_blank(c.new) for c in journaled)


def removable(target, journaled: list[CellChange]) -> None:
    """Refuse (WriteConflict) to delete the Reminders sheet a write created when a cell of it
    holds anything but what that write put there: a note typed in since, say."""
    tab = target._reminders_tab()
    if tab is None:
        return
    if not tab.owned:
        raise WriteConflict(f"the sheet {tab.title!r} of {target.name} is no longer marked as "
                            "sheetsales' own, so undo leaves it; delete it by hand if you wish")
    wrote = {(c.row - 1, c.col - 1): c.new for c in journaled if is_reminders(c.sheet)}
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


def remove_reminders(target) -> str:
    """Delete the Reminders sheet (one batchUpdate); says so."""
    tab = target._reminders_tab()
    if tab is None:
        return "the Reminders sheet was already gone"
    target.api.batch_update(target.key, {"requests": [{"deleteSheet": {"sheetId": tab.id}}]})
    target.requests += 1
    target.grid.tabs.remove(tab)
    return f"removed the {tab.title} sheet sheetsales had created"
