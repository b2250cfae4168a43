"""One run's plan: from the check of a target's deals sheet to every cell sheetsales would
write (status columns, the Reminders sheet). A dry run prints it; the write applies it."""

from dataclasses import dataclass, field

from ..core.config import Config
from ..core.errors import WriteConflict
from ..core.model import CellChange, is_blank, same_cell
from ..core.owned import REMINDERS_SHEET
from ..rules.check import Report
from ..rules.owned_rules import typed_cells, typed_finding
from ..sources.base import ColumnLook, Grid, SheetLook, Target
from .columns import Layout, choose_layout, column_look, status_changes
from .reminders import done_items, kept_notes, reminder_rows, reminders_look
from .summary import summary_of
from .summary_sheet import summary_sheet

SUMMARY_SHEET = "Summary"


@dataclass
class Plan:
    """Everything one run would write. `layout` is the first deals tab's; `layouts` holds
    every tab's (title -> Layout), each tab's status columns placed on their own."""

    report: Report
    layout: Layout
    changes: list[CellChange]
    reminders: list[list] | None  # the whole Reminders sheet, or None when it is unchanged
    notes: list[str] = field(default_factory=list)
    reminders_look: SheetLook | None = None
    summary_title: str | None = None  # sheetsales' Summary sheet, when the target takes one
    summary: list[list] | None = None  # its rows, or None when it is unchanged or off
    summary_look: SheetLook | None = None
    done: frozenset = frozenset()  # (deal row, "fix" or "due") ticked Done on the Reminders
    kept: dict = field(default_factory=dict)  # the Notes and Done on the sheet, by item key
    layouts: dict[str, Layout] = field(default_factory=dict)  # every deals tab's, by title
    # how every deals tab's owned columns look (widths, colours...), by title
    looks: dict[str, ColumnLook] = field(default_factory=dict)
    typed_over: int = 0  # values a person typed in our cells that the write replaces (OWN001)

    def __post_init__(self):
        self.layouts = self.layouts or {self.report.sheet.title: self.layout}

    @property
    def empty(self) -> bool:
        return not self.changes and self.reminders is None and self.summary is None


def current_status_values(grid: Grid, title: str, header_row: int,
                          columns: dict[str, int]) -> dict[int, dict[str, object]]:
    """Row -> status key -> the value now in our columns, for every row holding one."""
    current: dict[int, dict[str, object]] = {}
    if min(columns.values()) >= grid.used_width(title):
        return current  # new columns right of every value: all empty, nothing to read
    for row, cells in grid.rows(title):
        if row < header_row:
            continue
        values = {k: cells[i] for k, i in columns.items() if i < len(cells) and not is_blank(cells[i])}
        if values:
            current[row] = values
    return current


def current_sheet_rows(grid: Grid, title: str) -> list[list]:
    rows = []
    for _, cells in grid.rows(title):
        rows.append(list(cells))
    return rows


def _unchanged(old_rows: list[list], new_rows: list[list]) -> bool:
    trimmed = list(old_rows)
    while trimmed and all(is_blank(c) for c in trimmed[-1]):
        trimmed.pop()
    if len(trimmed) != len(new_rows):
        return False
    for old, new in zip(trimmed, new_rows):
        width = max(len(old), len(new))
        old, new = old + [None] * (width - len(old)), new + [None] * (width - len(new))
        if not all(same_cell(o, n) for o, n in zip(old, new)):
            return False
    return True


def refuse_theirs(target: Target) -> None:
    """A Reminders sheet sheetsales did not create is a person's: refuse to replace it."""
    if target.reminders_state() == "theirs":
        raise WriteConflict(f"{target.name} already has a sheet named {REMINDERS_SHEET!r} that "
                            "sheetsales did not create; rename that sheet so sheetsales can "
                            "keep its own")


def make_plan(target: Target, report: Report, config: Config,
              kept: dict | None = None, written: dict | None = None) -> Plan:
    """Every cell sheetsales would write on the target, from the check of its deals tabs;
    `kept` holds Notes and Done recorded in the history for items no longer on the sheet.
    `written` (the history's record of what sheetsales last wrote in its cells: tab -> Deal
    ID -> values) finds what a person typed over them: an OWN001 finding per tab, added to
    the report, and `typed_over` counts those cells."""
    refuse_theirs(target)
    layouts, looks, changes, notes, typed = {}, {}, [], [], 0
    for part in report.parts():  # each deals tab its own columns, recorded on that tab
        title = part.sheet.title
        owned = target.owned_columns(title)
        layout = layouts[title] = choose_layout(part, config.status_columns, owned,
                                                target.used_width(title))
        looks[title] = column_look(part, layout, config.colours)
        current = current_status_values(target.grid, title, part.sheet.header_row,
                                        layout.columns)
        target.grid.release(title)  # everything the plan needs from the sheet is read
        over = typed_cells(part, owned, current, (written or {}).get(title))
        typed += len(over)
        _add_finding(report, part, typed_finding(part, owned, over))
        changes += status_changes(part, layout, current)
        notes += [f"{title}: {n}" if len(report.parts()) > 1 else n for n in layout.notes]
    old = current_sheet_rows(target.grid, REMINDERS_SHEET) \
        if target.reminders_state() == "ours" else None
    reminders = reminder_rows(report, {**(kept or {}), **kept_notes(old or [])})
    done, now_kept = done_items(reminders), kept_notes(reminders)
    if old is not None:
        if _unchanged(old, reminders):
            reminders = None
        target.grid.release(REMINDERS_SHEET)
    title = report.sheet.title
    shown = reminders_look(reminders, title) if reminders is not None else None
    plan = Plan(report, layouts[title], changes, reminders, notes, reminders_look=shown,
                done=done, kept=now_kept, layouts=layouts, looks=looks, typed_over=typed)
    plan_summary(plan, target, config)  # one Summary for the whole pipeline
    return plan


def _add_finding(report: Report, part: Report, finding) -> None:
    """A finding about a tab's owned columns, found while planning, in the report (and in
    its tab's, over several)."""
    if finding is None:
        return
    if part is not report:
        part.findings.append(finding)
    report.findings.append(finding)


def plan_summary(plan: Plan, target: Target, config: Config) -> None:
    """The Summary sheet, on targets that take one ([summary] sheet = false: none); a user's
    sheet of that name is left alone, and the plan says so."""
    settings = config.summary
    state = getattr(target, "sheet_state", None)
    if not settings.sheet or state is None:
        return
    title = settings.sheet_name
    if state(title) == "theirs":
        plan.notes.append(f"the workbook has its own sheet {title!r}, which sheetsales leaves "
                          "alone, so no summary was written; set [summary] sheet_name to "
                          "another name")
        return
    if state(title) == "locked":
        plan.notes.append(f"the workbook's structure is protected, so no {title!r} sheet can be "
                          "added; unprotect it (Review > Protect Workbook) for a summary")
        return
    rows, look = summary_sheet(summary_of(plan.report, config),
                               settings.charts)
    plan.summary_title = title
    if state(title) == "ours":
        old = current_sheet_rows(target.grid, title)
        target.grid.release(title)
        if _unchanged(old, rows):
            return
    plan.summary, plan.summary_look = rows, look
