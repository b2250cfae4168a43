"""The nightly loop (`sheetsales schedule`): runs each configured source once a day at
[schedule] at, in the [rules] time zone, on the `schedule` library.

Unlike bare `schedule`, it reads time only from an injected clock, guards every job (an
exception is logged with the source and the other sources still run), takes a per-source
file lock so cron and the scheduler never interleave, catches up a run missed while the
machine was off, and stops between jobs on SIGTERM or SIGINT.

The clock: `schedule` calls datetime.datetime.now() itself in Job.should_run, Job.run and
Job._schedule_next_run. ClockJob overrides exactly those three (and the scheduler's
idle_seconds) to ask the injected clock, and keeps next_run as an aware datetime in the
configured zone; the rest of `schedule` (the job list, ordering, tags, cancelling) is used as
is. Only daily jobs at a time are supported, which is all sheetsales needs."""

import datetime as dt
import logging
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import schedule

from ..core.errors import ConfigError, SheetsalesError, SourceBusy
from .history import History, history_path, is_remote

log = logging.getLogger("sheetsales.nightly.scheduler")

Clock = Callable[[], dt.datetime]
DEFAULT_AT = "07:00"
LONGEST_NAP = 60.0  # seconds; wake at least this often to notice a suspended machine


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- the clock-injected `schedule` classes ----------------------------------------------------

class ClockJob(schedule.Job):
    """A `schedule` job that asks `clock` for the time and runs daily at `at_time` in `zone`."""

    def __init__(self, interval: int, scheduler: "ClockScheduler"):
        super().__init__(interval, scheduler)
        self.clock, self.zone = scheduler.clock, scheduler.zone

    @property
    def should_run(self) -> bool:
        return self.clock() >= self.next_run

    def run(self):
        result = self.job_func()
        self.last_run = self.clock()
        self._schedule_next_run()
        return result

    def _schedule_next_run(self) -> None:
        if self.unit != "days" or self.interval != 1 or self.at_time is None:
            raise schedule.ScheduleValueError("sheetsales jobs run every day at a time")
        now = self.clock().astimezone(self.zone)
        day = now.date()
        while (moment := wall_time(day, self.at_time, self.zone)) <= now:
            day += dt.timedelta(days=1)
        self.next_run = moment


class ClockScheduler(schedule.Scheduler):
    def __init__(self, clock: Clock, zone: ZoneInfo):
        super().__init__()
        self.clock, self.zone = clock, zone

    def every(self, interval: int = 1) -> ClockJob:
        return ClockJob(interval, self)

    @property
    def idle_seconds(self) -> float | None:
        return None if not self.jobs else (self.next_run - self.clock()).total_seconds()

    def run_pending(self, stopping: Callable[[], bool] = lambda: False) -> None:
        """Run the due jobs in order, checking `stopping` before each one."""
        for job in sorted(job for job in self.jobs if job.should_run):
            if stopping():
                return
            self._run_job(job)


def wall_time(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`at` on `day` in `zone`; a time skipped by a daylight-saving jump (02:30 on the
    spring-forward night) becomes the same instant after the jump (03:30)."""
    moment = dt.datetime.combine(day, at, tzinfo=zone)
    return moment.astimezone(dt.timezone.utc).astimezone(zone)


# --- per-source lock --------------------------------------------------------------------------

# --- the scheduler ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """How one job went: "ok", "failed" (it raised) or "busy" (another run held the lock)."""

    source: str
    status: str
    started: dt.datetime
    finished: dt.datetime
    error: str | None = None


def scheduled_sources(config) -> list[str]:
    """[schedule] sources (file paths relative to the config file), else [source] path."""
    sources = (config.schedule or {}).get("sources") or (
        [config.source["path"]] if (config.source or {}).get("path") else [])
    if not sources:
        raise ConfigError('nothing to schedule: set [schedule] sources = ["deals.xlsx"] in '
                          "sheetsales.toml")
    base = config.base_dir or Path.cwd()
    return [s if is_remote(s) else str(base / Path(s).expanduser()) for s in sources]


def history_last_run(config) -> Callable[[str], dt.datetime | None]:
    """When each source last finished a run, from its history database (never creating
    one)."""
    def last_run(source: str) -> dt.datetime | None:
        path = history_path(config, source)
        if not path.exists():
            return None
        with History.open(path) as history:
            run = history.last_run(source)
        return run.started_at if run else None
    return last_run


class Scheduler:
    """Runs `job(source)` for every configured source daily at [schedule] at.

    `clock` returns the time as an aware datetime and `sleep(seconds)` waits; both default to
    the real ones, and tests pass fakes. `last_run(source)` says when a source last ran (for
    the catch-up); by default it reads the history database."""

    def __init__(self, config, job: Callable[[str], object], clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 last_run: Callable[[str], dt.datetime | None] | None = None,
                 sources: list[str] | None = None):
        self.config, self.job = config, job
        self.clock = clock or system_clock
        self._sleep = sleep
        self.last_run = last_run or history_last_run(config)
        self.zone = ZoneInfo(config.rules.time_zone)
        self.at = dt.time.fromisoformat((config.schedule or {}).get("at", DEFAULT_AT))
        self.sources = sources if sources is not None else scheduled_sources(config)
        self.outcomes: deque[Outcome] = deque(maxlen=1000)  # the latest, for months of runs
        self._stopping = False
        self._jobs = ClockScheduler(self.clock, self.zone)
        for source in self.sources:
            self._jobs.every().day.at(self.at.strftime("%H:%M:%S")).do(self.run_source, source)

    # controls
    def stop(self) -> None:
        """Stop after the job that is running, if any."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def next_run(self) -> dt.datetime | None:
        return self._jobs.next_run

    # running
    def run_source(self, source: str) -> Outcome:
        """Run one source under its lock; never raises an Exception."""
        started = self.clock()
        status, error = "ok", None
        try:
            log.info("%s: run started", source)
            self.job(source)  # takes the source's lock: a held one raises SourceBusy
        except SourceBusy as exc:
            status, error = "busy", str(exc)
            log.warning("%s: skipped: %s", source, exc)
        except SheetsalesError as exc:
            status, error = "failed", str(exc)
            log.error("%s: run failed: %s", source, exc)
        except Exception as exc:  # guard: one broken source must not stop the others
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("%s: run failed with an unexpected error", source)
        outcome = Outcome(source, status, started, self.clock(), error)
        if status == "ok":
            log.info("%s: run finished", source)
        self.outcomes.append(outcome)
        return outcome

    def run_once(self, sources: list[str] | None = None) -> list[Outcome]:
        """Run every source (or `sources`) once now, one after another (--once)."""
        outcomes = []
        for source in self.sources if sources is None else sources:
            if self._stopping:
                break
            outcomes.append(self.run_source(source))
        return outcomes

    def catch_up(self) -> list[Outcome]:
        """Run now each source whose run time today has passed with no finished run today."""
        now = self.clock().astimezone(self.zone)
        if now < wall_time(now.date(), self.at, self.zone):
            return []
        missed = []
        for source in self.sources:
            try:
                last = self.last_run(source)
            except Exception:  # an unreadable history must not stop the catch-up
                log.exception("%s: cannot read the run history", source)
                last = None
            if last is None or last.astimezone(self.zone).date() < now.date():
                missed.append(source)
        if missed:
            log.info("catching up today's %s run of %s", self.at.strftime("%H:%M"),
                     ", ".join(missed))
        return self.run_once(missed)

    def run_pending(self) -> None:
        self._jobs.run_pending(lambda: self._stopping)

    def run_forever(self, handle_signals: bool = True) -> list[Outcome]:
        """Catch up, then run jobs as they fall due until `stop()` or SIGTERM/SIGINT."""
        restore = self._install_signals() if handle_signals else None
        try:
            log.info("scheduler started: %d source(s) daily at %s (%s)", len(self.sources),
                     self.at.strftime("%H:%M"), self.zone.key)
            self.catch_up()
            while not self._stopping:
                self.run_pending()
                if self._stopping:
                    break
                wait = self._jobs.idle_seconds
                self._nap(LONGEST_NAP if wait is None else min(max(wait, 0.0), LONGEST_NAP))
            log.info("scheduler stopped")
            return list(self.outcomes)
        finally:
            if restore:
                restore()

    def _nap(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            return
        end = time.monotonic() + seconds  # short real sleeps, so a stop is seen within 1s
        while not self._stopping and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 1.0))

    def _install_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return None

        def handle(number, frame):
            if self._stopping:
                raise KeyboardInterrupt  # a second signal: stop now
            log.info("%s received: stopping after the current job",
                     signal.Signals(number).name)
            self.stop()

        previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
        return lambda: [signal.signal(s, h) for s, h in previous.items()]


def setup_logging(log_file: str | Path | None = None, base_dir: Path | None = None,
                  stream=None, level: int = logging.INFO) -> Callable[[], None]:
    """Log sheetsales messages to `stream` (stderr) and, when given, to `log_file` (relative
    to `base_dir`); returns a function that removes and closes the handlers."""
    from logging.handlers import WatchedFileHandler  # follows logrotate's moves

    logger = logging.getLogger("sheetsales")
    logger.setLevel(level)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if log_file:
        path = (base_dir or Path.cwd()) / Path(log_file).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(WatchedFileHandler(path, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)

    def remove():
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    return remove
