"""From a check report to planned cell changes: the four status columns sheetsales owns
(the Reminders sheet's rows are reminders.py's). Pure: the write-back applies exactly this
plan, and a dry run prints it."""

import datetime as dt
from dataclasses import dataclass, field

from ..core.cells import MAX_COL, column_letter
from ..core.config_schema import COLOURS, STATUS_COLOURS
from ..core.errors import WriteConflict
from ..core.model import CellChange, same_cell
from ..core.owned import STATUS_KEYS, distinct_header
from ..core.stages import normalize
from ..rules.check import Report
from ..rules.status import STATUS_ORDER
from ..sources.base import Colour, ColumnLook


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
            distinct = distinct_header(header)
            notes.append(f'the sheet has its own "{header}" column, which sheetsales leaves '
                         f'alone; its column is headed "{distinct}"')
            header = distinct
        if next_free >= MAX_COL:
            raise WriteConflict(f"{sheet.title} has no free column for sheetsales' "
                                f'"{header}" column: its cells reach column '
                                f"{column_letter(MAX_COL - 1)}, Excel's last; free a column at "
                                "the right of the sheet")
        columns[key], headers[key] = next_free, header
        next_free += 1
        new.append(key)
    return Layout(columns, headers, new, notes)


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
        if not same_cell(old, layout.headers[key]):
            changes.append(CellChange(title, header_row, columns[key], old, layout.headers[key]))
    statuses = report.statuses()
    for row in sorted(set(statuses) | {r for r in current if r > header_row}):
        now = current.get(row, {})
        status = statuses.get(row)
        values = dict.fromkeys(STATUS_KEYS) if status is None else status.cells()
        for key in STATUS_KEYS:
            if not same_cell(now.get(key), values[key]):
                changes.append(CellChange(title, row, columns[key], now.get(key), values[key]))
    return changes


MAX_WIDTH = 60  # characters: wider columns wrap the sheet off the screen
DATE_WIDTH = 12  # "2026-11-24" with room to spare, so a date is never ###


def fit(header, values, cap: float = MAX_WIDTH) -> float:
    """A column width (in characters) that shows the header, with its filter button, and
    the values, up to `cap`."""
    widest = len(str(header or "")) + 3
    for value in values:
        if value is None:
            continue
        width = DATE_WIDTH if isinstance(value, dt.date) else len(str(value)) + 1
        if width > widest:
            widest = width
            if widest >= cap:
                return cap
    return float(max(widest, 6))


def status_colours(colours: dict[str, str]) -> tuple[Colour, ...]:
    """The status column's conditional formats: `colours` ([colours], status key -> colour
    name) over the defaults; "none" leaves a status uncoloured."""
    chosen = {**STATUS_COLOURS, **colours}
    found = []
    for status in STATUS_ORDER:
        name = chosen.get(status.lower().replace(" ", "_"), "none")
        if name != "none":
            font, fill = COLOURS[name]
            found.append(Colour(status, font, fill))
    return tuple(found)


def column_look(report: Report, layout: Layout, colours: dict[str, str]) -> ColumnLook:
    """How the owned columns look: widths that fit what they hold, the status colours, the
    user's header style (applied by the writer) and filter/table extension."""
    statuses = list(report.statuses().values())
    values = {"status": (s.status for s in statuses), "flags": (s.flags for s in statuses),
              "next_action": (s.next_action for s in statuses),
              "next_action_due": (s.next_action_due for s in statuses)}
    widths = {layout.columns[k] + 1: fit(layout.headers[k], values[k]) for k in STATUS_KEYS}
    rows = [d.row for d in report.deals]
    return ColumnLook(report.sheet.header_row,
                      {i + 1: layout.headers[k] for k, i in layout.columns.items()}, widths,
                      max(rows, default=report.sheet.header_row),
                      layout.columns["status"] + 1, status_colours(colours))
