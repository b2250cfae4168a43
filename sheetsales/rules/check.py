"""From a located deals sheet to a Report: type its deals, run every rule; pure."""

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core import collector
from ..core.cells import column_letters
from ..core.config import Config
from ..core.epochs import epoch_note, epoch_unit, from_epoch, looks_like_epoch, mixed_refusal
from ..core.errors import SourceError
from ..core.fields import IDENTITY_FIELDS
from ..core.model import (ERROR, SEVERITIES, Deal, Finding, Learnt, RowTyper, SheetData,
                          is_blank, plain)
from ..core.stages import outcome_column, outcome_of
from ..understand.infer import IdCandidates, understand_deals, with_vocabulary
from . import Context, id_rows, run_rules
from ..understand.header import OWN, PRODUCTS
from ..understand.tabs import apply_meaning, tab_meanings
from .families import Coverage, coverage
from .status import DealStatus, deal_status
from .tabs import shared_ids, shared_similar, snapshots


Progress = Callable[[int, int | None], None]


@dataclass
class Report:
    """The outcome of a check: the sheet read, its deals and every finding. A pipeline kept
    over several tabs is one Report whose `tabs` are each tab's own (`sheet` and `context`
    are then the first tab's); `skipped` names the sheets that are not deals tabs, with why."""

    sheet: SheetData
    deals: list[Deal]
    findings: list[Finding]
    context: Context
    tabs: list["Report"] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def parts(self) -> list["Report"]:
        """Each tab's report (rows and statuses are per tab); just this one for one tab."""
        return self.tabs or [self]

    def titles(self) -> list[str]:
        return [p.sheet.title for p in self.parts()]

    def where(self) -> str:
        """Where the deals were read, for a headline: "sheet 'Deals', header row 2", or
        "tabs 'Ann', 'Bob'" over several."""
        if not self.tabs:
            return f"sheet {self.sheet.title!r}, header row {self.sheet.header_row}"
        return "tabs " + ", ".join(repr(t) for t in self.titles())

    def tabs_line(self) -> str | None:
        """The tabs read and the sheets skipped, with why; None when that is no news."""
        if not self.tabs_worth_saying():
            return None
        read = ", ".join(f"{p.sheet.title!r} ({len(p.deals)} deal{'s' * (len(p.deals) != 1)}, "
                         f"header row {p.sheet.header_row})" for p in self.parts())
        skipped = "; skipped " + ", ".join(f"{t!r} ({why})" for t, why in self.skipped) \
            if self.skipped else ""
        return f"Tabs read: {read}{skipped}"

    def tabs_worth_saying(self) -> bool:
        """Whether the tabs read and skipped are news: several tabs, or a sheet skipped for
        another reason than being sheetsales' own or the Products sheet."""
        return len(self.parts()) > 1 or any(why not in (OWN, PRODUCTS) for _, why in self.skipped)

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
            **({"sheets": self.titles(), "skipped": [{"sheet": t, "why": w}
                                                     for t, w in self.skipped]}
               if self.tabs_worth_saying() else {}),
        }

    @functools.cached_property
    def coverage(self) -> list[Coverage]:
        """Which rule families ran on this sheet, and why the others did not (over several
        tabs: a family ran if it ran on any tab)."""
        if not self.tabs:
            return coverage(self.deals, self.context)
        per_tab = [p.coverage for p in self.tabs]
        return [next((c for c in family if c.checked), whole) for whole, *family in
                zip(coverage(self.deals, self.context), *per_tab)]

    def all_checked(self) -> bool:
        """Whether every rule family ran: only then may a report say all is well."""
        return all(c.checked for c in self.coverage)

    def findings_by_row(self) -> dict[int, list[Finding]]:
        self._one_tab()
        rows: dict[int, list[Finding]] = {}
        for finding in self.findings:
            rows.setdefault(finding.row, []).append(finding)
        return rows

    @functools.cached_property
    def _statuses(self) -> dict[int, DealStatus]:
        by_row = self.findings_by_row()
        return {d.row: deal_status(d, by_row.get(d.row, []), self.context) for d in self.deals}

    def statuses(self) -> dict[int, DealStatus]:
        """Row -> the deal's status columns (computed once); of one tab (see `parts`)."""
        self._one_tab()
        return self._statuses

    def status_of(self, deal: Deal) -> DealStatus:
        """A deal's status columns, whichever tab it is on."""
        part = next((p for p in self.tabs if p.sheet.title == deal.sheet), self)
        return part.statuses()[deal.row]

    def _one_tab(self) -> None:
        if self.tabs:  # rows repeat across tabs: a row number alone names no deal
            raise TypeError("a report of several tabs is read per tab: use Report.parts()")

    def worst(self) -> str | None:
        """The most severe level found, or None."""
        return next((s for s in SEVERITIES if any(f.severity == s for f in self.findings)), None)


def read_deals(sheet: SheetData, config: Config, total: int | None = None,
               progress: Progress | None = None, learnt: Learnt | None = None) -> list[Deal]:
    """The sheet's deals, typed; `learnt` is shared by the tabs of one pipeline."""
    identity = [sheet.columns[k] for k in IDENTITY_FIELDS if k in sheet.columns]
    typer = RowTyper(sheet, config.fields, with_vocabulary(config.stages),
                     config.rules.date_order, config.rules.time_zone, learnt)
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
    read_epochs(deals, config.rules.time_zone, sheet)
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


def read_epochs(deals: list[Deal], time_zone: str, sheet: SheetData) -> dict[str, str]:
    """Read as dates the epoch timestamps of the date columns whose every filled cell is
    one, in a plausible range (epochs.epoch_unit); returns field -> unit. A column that
    mixes them with text dates is refused (SourceError, issue 23): no reading of it is
    safe; one mixing them with date cells or text that is no date proves nothing, and its
    DAT001s say so."""
    keys = {key for deal in deals if deal.invalid for key in deal.invalid
            if looks_like_epoch(deal.original(key))}
    proved = {}
    for key in sorted(keys):
        unit = epoch_unit(d.original(key) for d in deals if d.filled(key))
        if unit is None:
            _refuse_mixed(deals, key, sheet)
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


def _refuse_mixed(deals: list[Deal], key: str, sheet: SheetData) -> None:
    """SourceError when the date column `key` holds both epoch timestamps and text dates
    (real date cells beside epochs stay DAT001 findings: a date cell is no guess)."""
    dates = [d for d in deals if isinstance(d.original(key), str)
             and not (d.invalid and key in d.invalid)]
    if not dates:
        return
    epochs = [d for d in deals if d.invalid and key in d.invalid
              and looks_like_epoch(d.original(key))]
    index = sheet.columns[key]
    letter, header = column_letters(index + 1), sheet.headers.get(index, key)
    raise SourceError(mixed_refusal(
        f"the sheet {sheet.title!r}", header,
        [(f"{letter}{d.row}", plain(d.original(key))) for d in epochs],
        [(f"{letter}{d.row}", plain(d.original(key))) for d in dates]))


def _has_identity(cells: list, identity: list[int]) -> bool:
    for i in identity:  # usually the first, the Deal ID, is filled: one look per row
        if i < len(cells) and not is_blank(cells[i]):
            return True
    return False


def check_sheets(sheets: list[SheetData], config: Config, today: dt.date,
                 previous_stages: dict[str, str] | None = None, stage_since: dict | None = None,
                 progress: Progress | None = None, totals: list | None = None,
                 release: Callable[[str], None] | None = None,
                 skipped: list[tuple[str, str]] | None = None) -> Report:
    """Check the deals tabs of one pipeline as one: each tab typed and checked with its own
    columns (and what its name means: understand.tabs), Deal IDs and likely duplicates
    sought over all tabs; earlier snapshot tabs (rules.tabs.snapshots) are skipped, saying
    so. One tab gives exactly `check_sheet`'s report."""
    skipped = list(skipped or ())
    totals = totals or [None] * len(sheets)
    if len(sheets) == 1:
        report = check_sheet(sheets[0], config, today, previous_stages, stage_since, progress,
                             totals[0], release=(lambda: release(sheets[0].title))
                             if release else None)
        report.skipped = skipped
        return report
    with collector.paused():
        read, learnt = [], Learnt()
        for sheet, total in zip(sheets, totals):
            read.append(read_deals(sheet, config, total, progress, learnt))
            if release:
                release(sheet.title)
        ids = id_rows(*read)
        earlier = snapshots([s.title for s in sheets], read, ids)
        skipped += [(sheets[i].title, f"an earlier snapshot of {sheets[latest].title!r} "
                     f"({shared} of its {count} Deal IDs are there too)")
                    for i, (latest, shared, count) in sorted(earlier.items())]
        sheets = [s for i, s in enumerate(sheets) if i not in earlier]
        if earlier:
            read = [r for i, r in enumerate(read) if i not in earlier]
            ids = id_rows(*read)
        meanings = tab_meanings(sheets)
        parts = []
        for sheet, deals in zip(sheets, read):
            apply_meaning(meanings.get(sheet.title), deals, config.stages)
            parts.append((deals, Context(sheet, config, today, previous_stages=previous_stages,
                                         stage_since=stage_since)))
        if len(parts) == 1:  # the latest snapshot alone: a report of one tab
            deals, ctx = parts[0]
            return Report(ctx.sheet, deals, run_rules(deals, ctx), ctx, skipped=skipped)
        where, similar = shared_ids(parts, ids), shared_similar(parts)
        tabs = [Report(ctx.sheet, deals, run_rules(deals, ctx, where[i], similar[i]), ctx)
                for i, (deals, ctx) in enumerate(parts)]
    return Report(sheets[0], [d for t in tabs for d in t.deals],
                  [f for t in tabs for f in t.findings], tabs[0].context, tabs, skipped)


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
