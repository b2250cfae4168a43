"""The nightly job around `run`: one run at a time per source, the run history (STG004, the
write journal), and the reminder digests, all recorded in the history database.

A refused write (the workbook open in Excel, or saved during the run) does not stop the
reminders: the digests computed from the read are still delivered, and the result says the
night was only partly done (SPEC §10)."""

import datetime as dt
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

from ..core import collector
from ..core.config import Config
from ..core.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, WriteConflict
from .digests import DEFAULT_RESEND_DAYS, OWNER, RESENT_KINDS, owner_key, reminder_items
from .history import History, HistoryError, history_path, is_remote
from .delivery import PRINT, Delivery, channels, send_reminders
from ..operations.run import RunResult, make_plan
from ..operations.guard import source_lock
from ..sources import backups
from ..sources.backups import DEFAULT_KEEP

EXIT_ORDER = (EXIT_ERROR, EXIT_PARTIAL, 1, EXIT_OK)  # when several apply, the first wins


def worst_exit(codes) -> int:
    """The exit code that wins among `codes` (SPEC §10: the first of 2, 3, 1, 0)."""
    codes = list(codes)
    return next((code for code in EXIT_ORDER if code in codes), EXIT_OK)


def delivery_exit(delivery: Delivery | None) -> int:
    """`remind`'s exit code: 0 all delivered, 3 some, 2 none of what was due."""
    if delivery is None or delivery.complete:
        return EXIT_OK
    return EXIT_PARTIAL if delivery.delivered else EXIT_ERROR


@dataclass
class NightlyResult:
    result: RunResult
    delivery: Delivery | None  # None when no digest channel is configured, or a dry run
    refused: str | None = None  # why the write was refused, when it was
    today: dt.date | None = None
    zone: str | None = None
    notes: list[str] = field(default_factory=list)  # warnings about the night itself

    def exit_code(self, findings_code: int = EXIT_OK) -> int:
        """SPEC §10: 2 nothing done, 3 partly done, else the findings' code."""
        delivered = bool(self.delivery and self.delivery.delivered)
        if self.refused:
            return EXIT_PARTIAL if delivered else EXIT_ERROR
        if self.delivery is not None and not self.delivery.complete:
            return EXIT_PARTIAL
        return findings_code

    def summary(self) -> str:
        """One line saying what the run did."""
        report = self.result.plan.report
        parts = [f"{len(report.deals)} deals, {len(report.findings)} findings"]
        if self.refused:
            parts.append(f"write refused ({self.refused})")
        elif self.result.written:
            parts.append(self.result.written)
        else:
            parts.append("nothing to write")
        if self.delivery is not None:
            parts.append(f"reminders: {self.delivery.summary()}")
        if self.today:
            parts.append(f"today {self.today.isoformat()} ({self.zone})")
        return "; ".join(parts)


def nightly_run(target_for, source, config: Config, today: dt.date, dry_run: bool = False,
                environ=None, now: dt.datetime | None = None) -> NightlyResult:
    """Run `source` under its lock: plan with the last run's stages, write, journal the cells
    written, deliver the digests (when an outbox or SMTP is configured) and record the run.
    `target_for(source)` opens the target inside the lock. A refused write still delivers
    the digests (see the module docstring)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    path = history_path(config, source)
    if dry_run:
        previous, since = None, None
        if path.exists():
            with History.open(path) as history:
                previous, since = history.previous_stages(source), history.stages_since(source)
        with closing(target_for(source)) as target, collector.paused():
            plan = make_plan(target, config, today, previous, since)
        return NightlyResult(RunResult(plan, None), None, today=today,
                             zone=config.rules.time_zone)
    with source_lock(source, config.base_dir):
        afresh = not path.exists() and not is_remote(source) and \
            backups.written_before(Path(source))
        with History.open(path) as history:
            return _locked_run(history, target_for, source, config, today, environ, now,
                               afresh)


def _locked_run(history, target_for, source, config, today, environ, now,
                afresh) -> NightlyResult:
    """The night itself, under the source's lock, with its history open."""
    run_id = history.start_run(source, None, now, today)
    refused = written = None
    try:
        with closing(target_for(source)) as target, collector.paused():
            plan = make_plan(target, config, today, history.previous_stages(source),
                             history.stages_since(source))
            if not plan.empty:
                try:
                    written = target.write(plan)
                except WriteConflict as exc:
                    refused = str(exc)
        report = plan.report
        if written:
            history.journal_write(run_id, source, target.written,
                                  keep=config.history.get("backups", DEFAULT_KEEP))
        delivery = None
        notes = []
        if afresh:
            held = assume_sent(history, report, config, today, source)
            notes.append(f"the history database {history.path} was missing, so a new one "
                         f"was started; {held} overdue or idle items older than "
                         "[reminders] resend_every_days were taken as already reminded")
        if channels(config) != [PRINT]:
            delivery = send_reminders(report, config, history, today, environ,
                                      source=source, run_id=run_id)
    except BaseException:
        with suppress(HistoryError):  # the error that got us here is the one to report
            history.finish_run(run_id, "error")
        raise
    history.finish_run(run_id, "refused" if refused else "written" if written
                       else "unchanged", report.summary()["by_code"], deals=report.deals,
                       sheet=report.sheet.title)
    return NightlyResult(RunResult(plan, written), delivery, refused, today,
                         config.rules.time_zone, notes)


def assume_sent(history, report, config, today: dt.date, source) -> int:
    """For a history started afresh after the old one disappeared: overdue and idle items
    older than the resend cadence were surely reminded already, so record them as sent today
    (they come back on the cadence) instead of mailing every open item at once."""
    every = (config.reminders or {}).get("resend_every_days", DEFAULT_RESEND_DAYS)
    old = [(OWNER, owner_key(item.owner), item.key, None)
           for item in reminder_items(report, today)
           if item.kind in RESENT_KINDS and item.days >= every]
    if old:
        history.record_reminders(source, old, today, "assumed")
    return len(old)
