"""From a check report to planned cell changes: the four status columns sheetsales owns and
the rows of its Reminders sheet. Pure: the write-back applies exactly this plan, and a dry run
prints it."""

import datetime as dt
from dataclasses import dataclass, field

from ..rules.check import Report
from ..core.cells import MAX_COL, MAX_ROW, column_letter, fit_text
from ..core.errors import WriteConflict
from ..core.model import CellChange, is_blank
from ..core.owned import REMINDER_HEADERS, STATUS_KEYS, distinct_header
from ..core.stages import normalize
from ..rules import DUE_KINDS
from ..rules.status import CLOSED

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


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


REMINDERS_CAP = MAX_ROW - 1  # item rows under the header: a sheet holds MAX_ROW rows


def reminder_rows(report: Report, cap: int = REMINDERS_CAP) -> list[list]:
    """The Reminders sheet: a header, then one row per actionable finding of every deals tab,
    sorted by owner, severity and due date; over several tabs its Row names the tab
    (`Bob!A7`). Past `cap` items the most urgent are kept (severity, then due date), and the
    header row says in a last cell how many were left out."""
    items = []
    several = len(report.parts()) > 1
    for tab, part in enumerate(report.parts()):  # one sheet for every tab of the pipeline
        deals = {d.row: d for d in part.deals}
        statuses = part.statuses()
        for finding in part.findings:
            if finding.code not in DUE_KINDS or statuses[finding.row].status == CLOSED:
                continue
            deal = deals[finding.row]
            due = finding.due
            overdue = max(0, report.context.calendar.days_between(due, report.today)) \
                if due else None
            row = f"{part.sheet.title}!A{finding.row}" if several else finding.row
            items.append([
                deal.get("owner") or "(no owner)", deal.deal_id, deal.get("company"),
                f"{statuses[finding.row].next_action}: {finding.message}", due, overdue,
                statuses[finding.row].status, row, SEVERITY_RANK[finding.severity],
                (tab, finding.row)])
    header = list(REMINDER_HEADERS)
    if len(items) > cap:
        items.sort(key=lambda i: (i[8], i[4] or dt.date.max, i[9]))
        header.append(f"{len(items) - cap:,} of {len(items):,} items left out: a sheet has "
                      f"room for {cap:,}, the most urgent; sheetsales check lists them all")
        del items[cap:]
    items.sort(key=lambda i: (str(i[0]).lower(), i[8], i[4] or dt.date.max, i[9]))
    # a cell holds MAX_TEXT UTF-16 units; an action quotes a cell, so it may need cutting
    return [header, *[[fit_text(v) if v.__class__ is str else v for v in i[:8]]
                      for i in items]]
