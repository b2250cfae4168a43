"""`run`: check a source, plan its status columns and Reminders sheet, apply the plan in one
write, journal the cells written, deliver the digests and record the run in the history, all
under the source's lock. Nothing to change means nothing is written."""

import datetime as dt
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..core import collector
from ..core.config import Config
from ..core.dates import today_in
from ..nightly.delivery import PRINT, Delivery, channels, send_reminders
from ..nightly.history import History, history_path
from ..plan.make import Plan, make_plan, refuse_theirs
from ..sources.base import Target
from .check import check
from .guard import write_guard
from .targets import open_target, resolve_source


@dataclass
class RunResult:
    """What a run planned, what it wrote (None when nothing was written) and, when an outbox
    or SMTP is configured, what it delivered."""

    plan: Plan
    written: str | None
    delivery: Delivery | None = None


def run_target(target: Target, config: Config, today: dt.date | None = None,
               dry_run: bool = False, previous_stages: dict[str, str] | None = None,
               stage_since: dict | None = None) -> RunResult:
    """Plan, then (unless `dry_run` or there is nothing to change) write the plan to an opened
    target; no lock, history or digests (see `run`)."""
    today = today or today_in(config.rules.time_zone)
    with collector.paused():
        refuse_theirs(target)
        report = check(target.grid, config, today, previous_stages=previous_stages,
                       stage_since=stage_since)
        plan = make_plan(target, report, config)
        if dry_run or plan.empty:
            return RunResult(plan, None)
        return RunResult(plan, target.write(plan))


def run(source: str | Path | None = None, config: Config | None = None,
        today: dt.date | None = None, dry_run: bool = False, *, credentials=None,
        environ=None, now: dt.datetime | None = None) -> RunResult:
    """Check SOURCE (a path, a Google Sheet, or None for the config's [source] path), write
    its status columns and Reminders sheet (unless `dry_run`), deliver the digests when an
    outbox or SMTP is configured, and record the run in the history."""
    config = config or Config()
    source = str(resolve_source(source, config))
    today = today or today_in(config.rules.time_zone)
    now = now or dt.datetime.now(dt.timezone.utc)
    path = history_path(config, source)
    if dry_run:
        previous, since = None, None
        if path.exists():
            with History.open(path) as history:
                previous, since = history.previous_stages(source), history.stages_since(source)
        with closing(open_target(source, config, credentials)) as target:
            return run_target(target, config, today, dry_run=True, previous_stages=previous,
                              stage_since=since)
    # an open workbook is refused by the write itself, after the check, so the digests of
    # what was read can still go out
    with write_guard(source, config.base_dir, refuse_open=False), \
            History.open(path) as history:
        run_id = history.start_run(source, None, now, today)
        try:
            with closing(open_target(source, config, credentials)) as target:
                result = run_target(target, config, today,
                                    previous_stages=history.previous_stages(source),
                                    stage_since=history.stages_since(source))
        except BaseException:
            history.finish_run(run_id, "error")
            raise
        report = result.plan.report
        if result.written:
            history.journal_write(run_id, source, target.written)
        if channels(config) != [PRINT]:
            result.delivery = send_reminders(report, config, history, today, environ,
                                             source=source, run_id=run_id)
        history.finish_run(run_id, "written" if result.written else "unchanged",
                           report.summary()["by_code"], deals=report.deals,
                           sheet=report.sheet.title)
    return result
