"""The nightly job around `run`: one run at a time per source, the run history (STG004, the
write journal), and the reminder digests, all recorded in the history database."""

import datetime as dt
from contextlib import closing
from dataclasses import dataclass

from ..core.config import Config
from .history import History, history_path
from .delivery import PRINT, Delivery, channels, send_reminders
from ..operations.run import RunResult, run
from ..operations.guard import source_lock


@dataclass
class NightlyResult:
    result: RunResult
    delivery: Delivery | None  # None when no digest channel is configured, or a dry run


def nightly_run(target_for, source, config: Config, today: dt.date, dry_run: bool = False,
                environ=None, now: dt.datetime | None = None) -> NightlyResult:
    """Run `source` under its lock: plan with the last run's stages, write, journal the cells
    written, deliver the digests (when an outbox or SMTP is configured) and record the run.
    `target_for(source)` opens the target inside the lock."""
    now = now or dt.datetime.now(dt.timezone.utc)
    path = history_path(config, source)
    if dry_run:
        previous, since = None, None
        if path.exists():
            with History.open(path) as history:
                previous, since = history.previous_stages(source), history.stages_since(source)
        with closing(target_for(source)) as target:
            return NightlyResult(run(target, config, today, dry_run=True,
                                     previous_stages=previous, stage_since=since), None)
    with source_lock(source, config.base_dir), History.open(path) as history:
        run_id = history.start_run(source, None, now, today)
        target = None
        try:
            with closing(target_for(source)) as target:
                result = run(target, config, today,
                             previous_stages=history.previous_stages(source),
                             stage_since=history.stages_since(source))
        except BaseException:
            if target is not None and getattr(target, "written", None):
                history.journal_write(run_id, source, target.written)  # it landed: undo it
            history.finish_run(run_id, "error")
            raise
        report = result.plan.report
        if result.written:
            history.journal_write(run_id, source, target.written)
        delivery = None
        if channels(config) != [PRINT]:
            delivery = send_reminders(report, config, history, today, environ, source=source,
                                      run_id=run_id)
        history.finish_run(run_id, "written" if result.written else "unchanged",
                           report.summary()["by_code"], deals=report.deals,
                           sheet=report.sheet.title)
    return NightlyResult(result, delivery)
