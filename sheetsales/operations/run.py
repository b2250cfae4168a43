"""`run`: check a source, plan the status columns and the Reminders sheet, and apply the plan
in one write through the source's target. Nothing to change means nothing is written."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from ..core import collector
from ..rules.check import Report, check
from ..core.config import REMINDERS_SHEET, Config
from ..core.dates import today_in
from ..core.errors import WriteConflict
from ..core.model import CellChange, is_blank
from ..plan.columns import (STATUS_KEYS, Layout, choose_layout, reminder_rows, same,
                   status_changes)
from ..sources import Grid


class Target(Protocol):
    """A source sheetsales can write back to (an .xlsx workbook, a Google Sheet)."""

    name: str
    grid: Grid
    written: list[CellChange]  # after a write: the cells as they landed (for the journal)

    def owned_columns(self, title: str) -> dict[str, int]:
        """Status field key -> 0-based column the workbook records as sheetsales'."""

    def used_width(self, title: str) -> int:
        """How many columns the sheet uses (its used range's right edge)."""

    def reminders_state(self) -> str:
        """"absent", "ours" (carries sheetsales' marker) or "theirs" (a user's sheet)."""

    def write(self, plan: "Plan") -> str:
        """Apply the plan in one write; returns one line saying what was written."""

    def close(self) -> None:
        """Let go of connections or files."""


@dataclass
class Plan:
    """Everything one run would write."""

    report: Report
    layout: Layout
    changes: list[CellChange]
    reminders: list[list] | None  # the whole Reminders sheet, or None when it is unchanged
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and self.reminders is None


@dataclass
class RunResult:
    plan: Plan
    written: str | None  # what the target reported writing; None when nothing was written


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
        if not all(same(o, n) for o, n in zip(old, new)):
            return False
    return True


def make_plan(target: Target, config: Config, today: dt.date,
              previous_stages: dict[str, str] | None = None,
              stage_since: dict | None = None) -> Plan:
    """Check the target's deals sheet and plan every cell sheetsales would write."""
    if target.reminders_state() == "theirs":
        raise WriteConflict(f"{target.name} already has a sheet named {REMINDERS_SHEET!r} that "
                            "sheetsales did not create; rename that sheet so sheetsales can "
                            "keep its own")
    report = check(target.grid, config, today, previous_stages=previous_stages,
                   stage_since=stage_since)
    title = report.sheet.title
    owned = target.owned_columns(title)
    layout = choose_layout(report, config.status_columns, owned, target.used_width(title))
    current = current_status_values(target.grid, title, report.sheet.header_row, layout.columns)
    target.grid.release(title)  # everything the plan needs from the sheet is read
    changes = status_changes(report, layout, current)
    reminders = reminder_rows(report)
    if target.reminders_state() == "ours":
        if _unchanged(current_sheet_rows(target.grid, REMINDERS_SHEET), reminders):
            reminders = None
        target.grid.release(REMINDERS_SHEET)
    return Plan(report, layout, changes, reminders, list(layout.notes))


def run(target: Target, config: Config, today: dt.date | None = None, dry_run: bool = False,
        previous_stages: dict[str, str] | None = None,
        stage_since: dict | None = None) -> RunResult:
    """Plan, then (unless `dry_run` or there is nothing to change) write the plan."""
    today = today or today_in(config.rules.time_zone)
    with collector.paused():
        plan = make_plan(target, config, today, previous_stages, stage_since)
        if dry_run or plan.empty:
            return RunResult(plan, None)
        return RunResult(plan, target.write(plan))


__all__ = ["Plan", "RunResult", "STATUS_KEYS", "Target", "make_plan", "run"]
