"""The rows of the Reminders sheet (SPEC sections 4 and 10): one row per deal and action,
sorted by owner, then severity, then due date; an invalid deal is a "Fix: ..." item for its
owner; the Notes and Done a person typed come back on the row of the same deal and action.

An item's key is its deal (its ID, else its row), its action's head, the text before the
first ": " ("Deliver (due 2026-12-07)", "Fix"), and its due date, so a note stays while the
day counts in the rest of the text change, and goes with the item when its due date or its
action does. A ticked Done keeps the item out of the digests for as long as its key stays."""

import datetime as dt

from ..core.cells import fit_text
from ..core.model import ERROR, is_blank
from ..core.owned import MAX_LINKS, REMINDER_HEADERS, REMINDERS_SHEET, tab_row
from ..rules import DUE_KINDS
from ..rules.check import Report
from ..rules.status import CLOSED
from ..sources.base import SheetLook
from .columns import fit

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
FIX = "Fix"
_OWNER, _DEAL, _ACTION, _ROW = (REMINDER_HEADERS.index(h) for h in ("Owner", "Deal ID", "Action",
                                                                     "Row"))
_NOTES, _DONE = REMINDER_HEADERS.index("Notes"), REMINDER_HEADERS.index("Done")
WIDTH = len(REMINDER_HEADERS)
WIDTH_SAMPLE = 5000  # rows whose widths the Reminders sheet's column widths fit


_DAY = REMINDER_HEADERS.index("Due")
NOT_TICKED = {"", "no", "n", "false", "0", "-"}


def item_key(deal_id, row, action, due=None) -> tuple[str, str, str]:
    """What identifies a reminder across rewrites: its deal, its action's head and its due
    date."""
    deal = str(deal_id).strip() if not is_blank(deal_id) else f"row {row}"
    head = str(action or "").split(": ", 1)[0]
    if isinstance(due, dt.datetime):
        due = due.date()
    return deal, head, due.isoformat() if isinstance(due, dt.date) else str(due or "")


def ticked(value) -> bool:
    """Whether a Done cell is ticked: anything but blank, "no", "false", 0 or FALSE."""
    if value is None or value is False:
        return False
    return str(value).strip().lower() not in NOT_TICKED


def done_items(rows: list[list]) -> frozenset[tuple[int, str]]:
    """(deal row, "fix" or "due") of the Reminders rows whose Done is ticked: the digests
    leave those items out."""
    top = header_index(rows)
    return frozenset((r[_ROW], "fix" if str(r[_ACTION]).startswith(f"{FIX}: ") else "due")
                     for r in rows[top + 1:] if len(r) > _DONE and ticked(r[_DONE]))


def kept_notes(rows: list[list]) -> dict[tuple[str, str], tuple]:
    """(deal, action head) -> (Notes, Done) of the rows of the Reminders sheet now in the
    workbook, for the rows where a person filled either."""
    kept = {}
    start = next((i for i, r in enumerate(rows) if r and r[0] == REMINDER_HEADERS[0]), None)
    for cells in rows[start + 1:] if start is not None else []:
        cells = list(cells) + [None] * (WIDTH - len(cells))
        notes, done = cells[_NOTES], cells[_DONE]
        if not (is_blank(notes) and is_blank(done)):
            kept[item_key(cells[_DEAL], cells[_ROW], cells[_ACTION], cells[_DAY])] = (notes, done)
    return kept


def reminder_rows(report: Report, kept: dict | None = None, cap: int = MAX_LINKS) -> list[list]:
    """The Reminders sheet: a header, then one row per deal and action of every deals tab
    (over several tabs its Row names the tab: `Bob!A7`). Past `cap` items (Excel's limit of
    hyperlinks on a sheet) the most urgent are kept, and a first row says how many were left
    out."""
    calendar, today = report.context.calendar, report.today
    several = len(report.parts()) > 1
    items = []
    for part in report.parts():
        deals = {d.row: d for d in part.deals}
        statuses = part.statuses()
        grouped: dict[tuple[int, str], list] = {}  # (row, FIX or "due") -> findings
        for finding in part.findings:
            status = statuses.get(finding.row)
            if status is None:
                continue  # about a whole column, on the header row: no deal's reminder
            if finding.severity == ERROR:
                grouped.setdefault((finding.row, FIX), []).append(finding)
            elif finding.code in DUE_KINDS and status.status != CLOSED:
                grouped.setdefault((finding.row, "due"), []).append(finding)
        for (row, what), findings in grouped.items():
            deal, status = deals[row], statuses[row]
            messages = list(dict.fromkeys(f.message for f in findings))  # one cause, once
            if what == FIX:
                action, due, overdue = f"{FIX}: " + "; ".join(messages), None, None
            else:
                action = f"{status.next_action}: " + "; ".join(messages)
                dues = [f.due for f in findings if f.due]
                due = min(dues) if dues else None
                late = calendar.days_between(due, today) if due else 0
                overdue = late if late > 0 else None  # blank, not 0, for what is not yet due
            rank = min(SEVERITY_RANK[f.severity] for f in findings)
            where = f"{part.sheet.title}!A{row}" if several else row
            items.append([deal.get("owner") or "(no owner)", deal.deal_id, deal.get("company"),
                          fit_text(action), due, overdue, status.status, where, None, None,
                          rank, (part.sheet.title, row)])
    left_out = max(0, len(items) - cap)
    if left_out:  # the most urgent stay: severity, then due date
        items.sort(key=lambda i: (i[10], i[4] or dt.date.max, i[11]))
        del items[cap:]
    items.sort(key=lambda i: (str(i[0]).lower(), i[10], i[4] or dt.date.max, i[11], i[3]))
    for item in items:
        item[_NOTES], item[_DONE] = (kept or {}).get(
            item_key(item[_DEAL], item[_ROW], item[_ACTION], item[_DAY]), (None, None))
        del item[10:]
        for i, value in enumerate(item):  # our own text within a cell's limit
            if value.__class__ is str:
                item[i] = fit_text(value)
    head = [list(REMINDER_HEADERS)]
    if left_out:
        head.insert(0, [f"{left_out:,} more reminders were left out (a sheet holds {cap:,} "
                        "links), the least urgent; filter the deals sheet's Status column "
                        "for them, or run sheetsales check"])
    return head + items


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def header_index(rows: list[list]) -> int:
    """The 0-based index of the header among the Reminders sheet's rows."""
    return 1 if rows and rows[0] and rows[0][0] != REMINDER_HEADERS[0] else 0


def reminders_look(rows: list[list], deals_title: str) -> SheetLook:
    """The Reminders sheet's look: its header bold, filled, frozen and filtered, widths that
    fit, and each item's Row a link to the deal's row on the deals sheet."""
    top = header_index(rows)
    caps = {"Action": 80, "Notes": 40, "Company": 40}
    items = rows[top + 1:]
    sample = items[::max(1, len(items) // WIDTH_SAMPLE)]  # widths need no more than a sample
    widths = {c + 1: fit(h, (r[c] for r in sample if c < len(r)), caps.get(h, 30))
              for c, h in enumerate(REMINDER_HEADERS)}
    widths[_NOTES + 1] = max(widths[_NOTES + 1], 30.0)  # room to type in
    sheet = _quoted(deals_title)
    links = {}
    for i, r in enumerate(rows[top + 1:], top + 2):
        if isinstance(r[_ROW], int):
            links[i, _ROW + 1] = f"{sheet}!A{r[_ROW]}"
        elif found := tab_row(r[_ROW]):  # several tabs: Tab!A7
            links[i, _ROW + 1] = f"{_quoted(found[0])}!A{found[1]}"
    return SheetLook(header_row=top + 1, widths=widths, links=links,
                     titles=(1,) if top else ())


def done_on_sheet(report: Report, grid) -> frozenset[tuple[int, str]]:
    """The items ticked Done on the Reminders sheet now in `grid` (for `remind`, which plans
    nothing): matched to today's items by deal, action and due date, as `run` matches them."""
    if REMINDERS_SHEET not in grid.sheet_names():
        return frozenset()
    old = [list(cells) for _, cells in grid.rows(REMINDERS_SHEET)]
    return done_items(reminder_rows(report, kept_notes(old)))
