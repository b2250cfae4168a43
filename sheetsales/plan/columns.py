"""From a check report to planned cell changes: the four status columns sheetsales owns
(the Reminders sheet's rows are reminders.py's). Pure: the write-back applies exactly this
plan, and a dry run prints it."""

import datetime as dt
from dataclasses import dataclass, field

from ..rules.check import Report
from ..core.model import STATUS_KEYS, CellChange, is_blank
from ..core.stages import normalize


@dataclass
class Layout:
    """Where the status columns are: field key -> 0-based column index and header text;
    `new` lists the keys whose header cell must be written; `notes` says what was decided."""

    columns: dict[str, int]
    headers: dict[str, str]
    new: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def choose_layout(report: Report, wanted: dict[str, str], owned: dict[str, int],
                  used_width: int) -> Layout:
    """Keep the columns the workbook records as ours (`owned`); place the others right of
    everything used (`used_width` columns), under a header no user column already has."""
    sheet = report.sheet
    taken = {normalize(h) for i, h in sheet.headers.items() if i not in owned.values()}
    columns, headers, new, notes = {}, {}, [], []
    next_free = max([used_width, *[i + 1 for i in sheet.headers], *[i + 1 for i in owned.values()]])
    for key in STATUS_KEYS:
        if key in owned:
            columns[key] = owned[key]
            headers[key] = sheet.headers.get(owned[key], wanted[key])
            if owned[key] not in sheet.headers:
                new.append(key)
            continue
        header = wanted[key]
        if normalize(header) in taken:
            distinct = f"Pipeline {header[0].lower()}{header[1:]}"
            notes.append(f'the sheet has its own "{header}" column, which sheetsales leaves '
                         f'alone; its column is headed "{distinct}"')
            header = distinct
        columns[key], headers[key] = next_free, header
        next_free += 1
        new.append(key)
    return Layout(columns, headers, new, notes)


def same(old, new) -> bool:
    """Whether a cell already holds the value we would write (dates compare as dates)."""
    if old.__class__ is new.__class__ and old == new:
        return True
    if old is None:
        return is_blank(new)
    if is_blank(old) and is_blank(new):
        return True
    if isinstance(old, dt.datetime) and isinstance(new, dt.date) and not isinstance(new, dt.datetime):
        return old.date() == new and old.time() == dt.time()
    if isinstance(old, float) and isinstance(new, int) and not isinstance(new, bool):
        return old == new
    return old == new


def status_changes(report: Report, layout: Layout,
                   current: dict[int, dict[str, object]]) -> list[CellChange]:
    """The header cells of new columns and, for every deal row, the status cells that differ
    from what `current` (row -> key -> value now in our columns) holds; rows that hold our
    values but are no longer deals are cleared."""
    title = report.sheet.title
    columns = {k: i + 1 for k, i in layout.columns.items()}
    changes = []
    header_row = report.sheet.header_row
    for key in layout.new:
        old = current.get(header_row, {}).get(key)
        if not same(old, layout.headers[key]):
            changes.append(CellChange(title, header_row, columns[key], old, layout.headers[key]))
    statuses = report.statuses()
    for row in sorted(set(statuses) | {r for r in current if r > header_row}):
        now = current.get(row, {})
        status = statuses.get(row)
        values = dict.fromkeys(STATUS_KEYS) if status is None else {
            "status": status.status, "flags": status.flags or None,
            "next_action": status.next_action, "next_action_due": status.next_action_due}
        for key in STATUS_KEYS:
            if not same(now.get(key), values[key]):
                changes.append(CellChange(title, row, columns[key], now.get(key), values[key]))
    return changes
