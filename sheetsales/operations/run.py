"""`run`: check a source, plan its status columns and Reminders sheet, apply the plan in one
write, journal the cells written, deliver the digests and record the run in the history, all
under the source's lock. Nothing to change means nothing is written.

A refused write (the workbook open in Excel, or saved during the run) does not stop the
reminders: the digests computed from the read are still delivered, and the result says the
night was only partly done (SPEC section 10)."""

import datetime as dt
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..core import collector
from ..core.config import Config
from ..core.dates import plural, today_in
from ..core.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, RunTooLong, WriteConflict
from ..core.owned import STATUS_KEYS
from ..nightly.deadline import RunDeadline
from ..nightly.delivery import PRINT, Delivery, channels, send_reminders
from ..nightly.digests import assume_sent
from ..nightly.history import History, HistoryError, history_path, is_remote
from ..sources import backups
from ..plan.make import Plan, make_plan, refuse_theirs
from ..plan.overview import overview
from ..rules import OVERDUE_CODES, SOON_CODES
from ..rules.owned_rules import typed_note, written_values
from ..rules.status import INVALID
from ..sources.base import Target
from .check import check
from .guard import write_guard
from .targets import open_target, resolve_source


@dataclass(frozen=True)
class RunNumbers:
    """What a run did, in the numbers a person asks for: deals checked, findings; deals
    overdue, due today, due within the week (today included, overdue excluded), invalid (an
    error to fix), with a stale forecast, idle; cells written (or that a dry run would
    write), reminder rows on the Reminders sheet (None: the sheet was unchanged); digests
    e-mailed (or dropped in the outbox) with their items, digests held for owners without an
    address or not delivered, and items held back as already sent (None: no delivery); values
    a person typed in sheetsales' own cells that the write replaced (or would, OWN001)."""

    deals: int
    findings: int
    overdue: int
    due_today: int
    due_this_week: int
    invalid: int
    stale: int
    idle: int
    cells: int
    reminders: int | None
    written: bool
    emails: int | None = None
    emailed_items: int = 0
    undelivered: int = 0
    already_sent: int = 0
    typed_over: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def pipeline(self) -> str:
        """The deals in a line: 3 overdue, 1 due today, 7 due this week, 5 invalid, ..."""
        parts = [f"{self.overdue} overdue", f"{self.due_today} due today",
                 f"{self.due_this_week} due this week", f"{self.invalid} invalid (to fix)",
                 plural(self.stale, "stale forecast"), f"{self.idle} idle"]
        return ", ".join(parts)


def count_run(result: "RunResult") -> RunNumbers:
    """The numbers of a finished run (or of a dry run's plan)."""
    plan, delivery = result.plan, result.delivery
    report = plan.report
    view = overview(report).total
    today, due_today, invalid = report.today, set(), 0
    overdue = {(f.sheet, f.row) for f in report.findings if f.code in OVERDUE_CODES}
    for f in report.findings:
        if f.code in SOON_CODES and f.due == today and (f.sheet, f.row) not in overdue:
            due_today.add((f.sheet, f.row))
    for part in report.parts():
        invalid += sum(s.status == INVALID for s in part.statuses().values())
        for deal in part.deals:
            key = (deal.sheet, deal.row)
            if part.status_of(deal).next_action_due == today and key not in overdue:
                due_today.add(key)
    written = result.written is not None
    return RunNumbers(
        deals=len(report.deals), findings=len(report.findings), overdue=view.overdue,
        due_today=len(due_today), due_this_week=view.due_this_week, invalid=invalid,
        stale=view.stale, idle=view.idle,
        cells=len(plan.changes) if written or result.refused is None else 0,
        reminders=None if plan.reminders is None else len(plan.reminders) - 1,
        written=written,
        emails=None if delivery is None else len(delivery.delivered),
        emailed_items=sum(len(d.items) for d in delivery.delivered) if delivery else 0,
        undelivered=len(delivery.undelivered) if delivery else 0,
        already_sent=delivery.held_back if delivery else 0,
        typed_over=plan.typed_over if written or result.refused is None else 0)


@dataclass
class RunResult:
    """What a run planned, what it wrote (None when nothing was written), why the write was
    refused (when it was) and, when an outbox or SMTP is configured, what it delivered."""

    plan: Plan
    written: str | None
    delivery: Delivery | None = None
    refused: str | None = None
    today: dt.date | None = None
    zone: str | None = None
    notes: list[str] = field(default_factory=list)  # warnings about the night itself
    numbers: RunNumbers | None = None  # set once the run is over (count_run)

    def exit_code(self, findings_code: int = EXIT_OK) -> int:
        """SPEC section 10: 2 nothing done, 3 partly done, else the findings' code."""
        delivered = bool(self.delivery and self.delivery.delivered)
        if self.refused:
            return EXIT_PARTIAL if delivered else EXIT_ERROR
        if self.delivery is not None and not self.delivery.complete:
            return EXIT_PARTIAL
        return findings_code

    def summary(self) -> str:
        """One line saying what the run did, in numbers (the scheduler logs it)."""
        numbers = self.numbers or count_run(self)
        parts = [f"{numbers.deals} deals, {numbers.findings} findings: {numbers.pipeline()}"]
        if self.refused:
            parts.append(f"write refused ({self.refused})")
        else:
            parts.append(self.written or "nothing to write")
        if self.delivery is not None:
            parts.append(f"reminders: {self.delivery.summary()}")
        if self.today:
            parts.append(f"today {self.today.isoformat()} ({self.zone})")
        return "; ".join(parts)


def run_target(target: Target, config: Config, today: dt.date | None = None,
               dry_run: bool = False, previous_stages: dict[str, str] | None = None,
               stage_since: dict | None = None, kept: dict | None = None,
               deadline: RunDeadline | None = None, owned: dict | None = None) -> RunResult:
    """Plan, then (unless `dry_run` or there is nothing to change) write the plan to an opened
    target; no lock, history or digests (see `run`). A `deadline` is checked before each
    phase; `owned` is the history's record of what sheetsales last wrote in its own cells
    (make_plan's `written`)."""
    today = today or today_in(config.rules.time_zone)
    before = deadline.before if deadline else lambda phase: None
    with collector.paused():
        refuse_theirs(target)
        before("check")
        report = check(target.grid, config, today, previous_stages=previous_stages,
                       stage_since=stage_since)
        before("plan")
        plan = make_plan(target, report, config, kept, owned)
        if dry_run or plan.empty:
            return RunResult(plan, None)
        before("write")
        return RunResult(plan, target.write(plan))


def run(source: str | Path | None = None, config: Config | None = None,
        today: dt.date | None = None, dry_run: bool = False, *, credentials=None,
        environ=None, now: dt.datetime | None = None,
        clock: Callable[[], float] | None = None) -> RunResult:
    """Check SOURCE (a path, a Google Sheet, or None for the config's [source] path), write
    its status columns and Reminders sheet (unless `dry_run`), deliver the digests when an
    outbox or SMTP is configured, and record the run in the history. `now` is the instant of
    the run (default: the real clock) and "today" its date in [rules] time_zone unless
    `today` is given; the result's summary() names both, and its `numbers` (RunNumbers)
    say what the run found, wrote and delivered. A run that passes
    [schedule] run_deadline_minutes (measured on `clock`, monotonic seconds) stops before its
    next phase with RunTooLong, recorded in the history as "timed out"."""
    config = config or Config()
    deadline = RunDeadline(config.schedule.run_deadline_minutes, clock)
    source = str(resolve_source(source, config))
    now = now or dt.datetime.now(dt.timezone.utc)
    today = today or today_in(config.rules.time_zone, now)
    path = history_path(config, source)
    if dry_run:
        previous, since, owned = None, None, None
        if path.exists():
            with History.open(path) as history:
                previous, since = history.previous_stages(source), history.stages_since(source)
                owned = history.owned_record(source, STATUS_KEYS)
        with closing(open_target(source, config, credentials)) as target:
            result = run_target(target, config, today, dry_run=True,
                                previous_stages=previous, stage_since=since, owned=owned)
        if result.plan.typed_over:
            result.plan.notes.append(typed_note(result.plan.typed_over, "would replace"))
        return replace(result, numbers=count_run(result))
    # an open workbook is refused by the write itself, after the check, so the digests of
    # what was read can still go out
    with write_guard(source, config, refuse_open=False):
        # a missing history where sheetsales wrote before: a file's backup log says so, and
        # a Google Sheet's owned columns (looked at once it is read)
        afresh = not path.exists() and (is_remote(source) or
                                        backups.written_before(Path(source)))
        with History.open(path) as history:
            return _night(history, source, config, today, credentials, environ, now, afresh,
                          deadline)


def _night(history, source, config, today, credentials, environ, now, afresh,
           deadline) -> RunResult:
    """The run itself, under the source's lock, with its history open."""
    run_id = history.start_run(source, None, now, today)
    refused = target = None
    journaled = late = False
    try:
        deadline.before("read")
        with closing(open_target(source, config, credentials, deadline)) as target:
            result = run_target(target, config, today, dry_run=True,
                                previous_stages=history.previous_stages(source),
                                stage_since=history.stages_since(source),
                                kept=history.kept_notes(source), deadline=deadline,
                                owned=history.owned_record(source, STATUS_KEYS))
            history.keep_notes(source, result.plan.kept)
            if afresh and is_remote(source):
                afresh = any(target.owned_columns(t) for t in result.plan.report.titles())
            if not result.plan.empty:
                deadline.before("write")
                try:
                    with collector.paused():
                        result.written = target.write(result.plan)
                except WriteConflict as exc:
                    refused = str(exc)
        report = result.plan.report
        if target.written:  # whatever landed, even of a write refused halfway: undo needs it
            history.journal_write(run_id, source, target.written,
                                  keep=config.history.backups)
            journaled = True
        _record_owned(history, source, result, refused, target, run_id)
        if afresh:
            held = assume_sent(history, report, config, today, source)
            result.notes.append(
                f"the history database {history.path} was missing, so a new one was started; "
                f"{held} overdue or idle items older than [reminders] resend_every_days were "
                "taken as already reminded")
        if channels(config) != [PRINT]:
            try:
                deadline.before("deliver")
            except RunTooLong as exc:
                if not result.written:
                    raise  # nothing was done: a failed night
                # written, not delivered: partly done (exit 3), and a retry delivers them
                late, result.delivery = True, Delivery(channels(config)[0], failures=[
                    f"{exc}; the digests stay pending for the next run"])
            else:
                result.delivery = send_reminders(report, _bounded(config, deadline), history,
                                                 today, environ, source=source,
                                                 run_id=run_id, done=result.plan.done)
    except BaseException as exc:
        with suppress(HistoryError):  # the error that got us here is the one to report
            if target is not None and getattr(target, "written", None) and not journaled:
                history.forget_owned(source)  # what landed is not what the record says
                history.journal_write(run_id, source, target.written,
                                      keep=config.history.backups)  # it landed: undo it
            history.finish_run(run_id, "timed out" if isinstance(exc, RunTooLong) else "error")
        raise
    history.finish_run(run_id, "timed out" if late else "refused" if refused else
                       "written" if result.written else "unchanged",
                       report.summary()["by_code"], deals=report.deals,
                       sheet=", ".join(report.titles()))
    result.refused, result.today, result.zone = refused, today, config.rules.time_zone
    result.numbers = count_run(result)
    return result


def _record_owned(history, source, result: RunResult, refused, target, run_id) -> None:
    """Keep what sheetsales' own cells now hold for the next run's OWN001: after a write, or
    when there was nothing to write; a write refused after some of it landed leaves cells
    the record cannot vouch for, so it is dropped; one refused whole changes nothing."""
    if refused is None:
        history.remember_owned(source, written_values(result.plan.report), STATUS_KEYS, run_id)
        if result.written and result.plan.typed_over:
            result.notes.append(typed_note(result.plan.typed_over, "replaced"))
    elif target.written:
        history.forget_owned(source)


def _bounded(config: Config, deadline: RunDeadline) -> Config:
    """`config` with its SMTP session deadline cut to the time the run has left."""
    smtp = config.reminders.smtp
    if smtp is None or deadline.left() is None:
        return config
    return replace(config, reminders=replace(config.reminders, smtp=replace(
        smtp, deadline=int(deadline.bound(smtp.deadline)))))
