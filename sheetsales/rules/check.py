"""From a located deals sheet to a Report: type its deals, run every rule; pure."""

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..core import collector
from ..core.config import Config
from ..core.epochs import epoch_note, epoch_unit, from_epoch, looks_like_epoch
from ..core.fields import IDENTITY_FIELDS
from ..core.model import ERROR, SEVERITIES, Deal, Finding, RowTyper, SheetData, is_blank
from ..core.stages import outcome_column, outcome_of
from ..understand.infer import IdCandidates, understand_deals, with_vocabulary
from . import Context, run_rules
from .families import Coverage, coverage
from .status import DealStatus, deal_status


Progress = Callable[[int, int | None], None]


@dataclass
class Report:
    """The outcome of a check: the sheet read, its deals and every finding."""

    sheet: SheetData
    deals: list[Deal]
    findings: list[Finding]
    context: Context

    @property
    def today(self) -> dt.date:
        return self.context.today

    def summary(self) -> dict:
        by_code = Counter(f.code for f in self.findings)
        by_severity = Counter(f.severity for f in self.findings)
        return {
            "source": self.sheet.source, "sheet": self.sheet.title,
            "header_row": self.sheet.header_row, "deals": len(self.deals),
            "today": self.today.isoformat(), "findings": len(self.findings),
            "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
            "by_code": dict(sorted(by_code.items())),
            "all_checked": self.all_checked(),
            "not_checked": [c.family for c in self.coverage if not c.checked],
        }

    @functools.cached_property
    def coverage(self) -> list[Coverage]:
        """Which rule families ran on this sheet, and why the others did not."""
        return coverage(self.deals, self.context)

    def all_checked(self) -> bool:
        """Whether every rule family ran: only then may a report say all is well."""
        return all(c.checked for c in self.coverage)

    def findings_by_row(self) -> dict[int, list[Finding]]:
        rows: dict[int, list[Finding]] = {}
        for finding in self.findings:
            rows.setdefault(finding.row, []).append(finding)
        return rows

    @functools.cached_property
    def _statuses(self) -> dict[int, DealStatus]:
        by_row = self.findings_by_row()
        return {d.row: deal_status(d, by_row.get(d.row, []), self.context) for d in self.deals}

    def statuses(self) -> dict[int, DealStatus]:
        """Row -> the deal's status columns (computed once)."""
        return self._statuses

    def worst(self) -> str | None:
        """The most severe level found, or None."""
        return next((s for s in SEVERITIES if any(f.severity == s for f in self.findings)), None)


def read_deals(sheet: SheetData, config: Config, total: int | None = None,
               progress: Progress | None = None) -> list[Deal]:
    identity = [sheet.columns[k] for k in IDENTITY_FIELDS if k in sheet.columns]
    typer = RowTyper(sheet, config.fields, with_vocabulary(config.stages),
                     config.rules.date_order, config.rules.time_zone)
    ids = IdCandidates(sheet) if "deal_id" in sheet.columns else None
    watch = ids.add if ids and ids.watch else None
    deals = []
    for count, (row, cells) in enumerate(sheet.rows, 1):
        if progress and count % 1000 == 0:
            progress(count, total)
        if _has_identity(cells, identity):
            deals.append(typer(row, cells))
            if watch:
                watch(cells)
    read_epochs(deals, config.rules.time_zone)
    if "outcome" in sheet.columns:
        read_outcomes(deals)
    understand_deals(deals, sheet, config, typer.texts, ids)  # fills sheet.evidence
    return deals


def read_outcomes(deals: list[Deal]) -> bool:
    """Give each deal its outcome when the outcome column proves it is one (every filled
    cell Won, Lost, Open, On hold, Dead or a word for them: stages.outcome_column)."""
    if not outcome_column(d.values.get("outcome") for d in deals):
        return False
    for deal in deals:
        deal.outcome = outcome_of(deal.values.get("outcome"))
    return True


def read_epochs(deals: list[Deal], time_zone: str) -> dict[str, str]:
    """Read as dates the epoch timestamps of the date columns whose every filled cell is
    one, in a plausible range (epochs.epoch_unit); returns field -> unit. A column that
    mixes them with anything else proves nothing: its DAT001s say so."""
    keys = {key for deal in deals if deal.invalid for key in deal.invalid
            if looks_like_epoch(deal.original(key))}
    proved = {}
    for key in sorted(keys):
        unit = epoch_unit(d.original(key) for d in deals if d.filled(key))
        if unit is None:
            for deal in deals:
                if deal.invalid and key in deal.invalid:
                    deal.invalid[key] += epoch_note(deal.original(key))
            continue
        proved[key] = unit
        for deal in deals:
            if deal.invalid and key in deal.invalid:
                deal.values[key] = from_epoch(deal.original(key), unit, time_zone)
                del deal.invalid[key]
                deal.invalid = deal.invalid or None
    return proved


def _has_identity(cells: list, identity: list[int]) -> bool:
    for i in identity:  # usually the first, the Deal ID, is filled: one look per row
        if i < len(cells) and not is_blank(cells[i]):
            return True
    return False


def check_sheet(sheet: SheetData, config: Config, today: dt.date,
                previous_stages: dict[str, str] | None = None, stage_since: dict | None = None,
                progress: Progress | None = None, total: int | None = None,
                release: Callable[[], None] | None = None) -> Report:
    """Type the located sheet's deals and run every rule on them. `previous_stages` and
    `stage_since` come from the run history (see rules.Context); `release` is called once the
    rows are read (the source may then let go of its cells)."""
    with collector.paused():
        deals = read_deals(sheet, config, total, progress)
        if release:
            release()
        ctx = Context(sheet, config, today, previous_stages=previous_stages,
                      stage_since=stage_since)
        return Report(sheet, deals, damage_findings(sheet) + run_rules(deals, ctx), ctx)


DAMAGE = "CSV001"


def damage_findings(sheet: SheetData) -> list[Finding]:
    """CSV001: the file is damaged where its rows were read (SPEC §10: a finding for check,
    a refusal for a writing command)."""
    return [Finding(DAMAGE, ERROR, sheet.title, row, "", f"{sheet.title}!{row}:{row}", None,
                    f"line {line}", message, "Repair the file (or export it again) and check "
                    "it again; nothing is written from a damaged read.")
            for row, line, message in sheet.damage]
