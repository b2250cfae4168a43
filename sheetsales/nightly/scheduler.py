"""The nightly loop (`sheetsales schedule`): runs each configured source once a day at
[schedule] at, in the [rules] time zone, on the `schedule` library.

Unlike bare `schedule`, it reads time only from an injected clock, guards every job (an
exception is logged with the source and the other sources still run), takes a per-source
file lock so cron and the scheduler never interleave, catches up a run missed while the
machine was off, stops between jobs on SIGTERM or SIGINT, retries what a night can heal
(busy, a refused write, digests not delivered) within [schedule] retry_minutes, and logs one
line per run saying what it did, plus an error line per owner whose digest was not
delivered. The clock classes live in clock.py."""

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

from ..core.errors import (EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, ConfigError, SheetsalesError,
                           SourceBusy, WriteConflict)
from .clock import Clock, ClockScheduler, system_clock, wall_time
from .history import History, history_path, is_remote

log = logging.getLogger("sheetsales.nightly.scheduler")

LONGEST_NAP = 60.0  # seconds; wake at least this often to notice a suspended machine


# --- the scheduler ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """How one job went: "ok", "partial" (written, but some digests not delivered; or
    digests delivered but the write refused), "failed" (it raised, or nothing was done) or
    "busy" (another run held the lock), after `attempts` tries within the retry window."""

    source: str
    status: str
    started: dt.datetime
    finished: dt.datetime
    error: str | None = None
    attempts: int = 1
    numbers: object = None  # the last attempt's numbers (operations.run.RunNumbers), if it ran

    @property
    def exit_code(self) -> int:
        """SPEC §10: busy and failed did nothing (2), partial is 3."""
        return {"ok": EXIT_OK, "partial": EXIT_PARTIAL}.get(self.status, EXIT_ERROR)


FIRST_RETRY_SECONDS = 60.0
LONGEST_RETRY_SECONDS = 600.0


def scheduled_sources(config) -> list[str]:
    """[schedule] sources (file paths relative to the config file), else [source] path."""
    sources = config.schedule.sources or ((config.source.path,) if config.source.path else ())
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
    the catch-up); by default it reads the history database. `watch(outcome)` hears of every
    job's outcome (the [schedule] alert)."""

    def __init__(self, config, job: Callable[[str], object], clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 last_run: Callable[[str], dt.datetime | None] | None = None,
                 sources: list[str] | None = None,
                 watch: Callable[["Outcome"], None] | None = None):
        self.config, self.job, self.watch = config, job, watch
        self.clock = clock or system_clock
        self._sleep = sleep
        self.last_run = last_run or history_last_run(config)
        self.zone = ZoneInfo(config.rules.time_zone)
        self.at = dt.time.fromisoformat(config.schedule.at)
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
        """Run one source under its lock, again after a transient failure (busy, a write
        refused, digests not delivered) with growing waits while [schedule] retry_minutes
        allows; never raises an Exception."""
        started = self.clock()
        window = dt.timedelta(minutes=self.config.schedule.retry_minutes)
        wait, attempts = FIRST_RETRY_SECONDS, 0
        while True:
            attempts += 1
            status, error, transient, numbers = self._attempt(source)
            retry_at = self.clock() + dt.timedelta(seconds=wait)
            if not transient or self._stopping or retry_at > started + window:
                break
            log.warning("%s: trying again in %d s (attempt %d)", source, wait, attempts + 1)
            self._nap(wait)
            wait = min(wait * 2, LONGEST_RETRY_SECONDS)
        if transient and attempts > 1:
            log.error("%s: gave up after %d attempts in %s", source, attempts,
                      _minutes(self.clock() - started))
        outcome = Outcome(source, status, started, self.clock(), error, attempts, numbers)
        self.outcomes.append(outcome)
        if self.watch is not None:
            try:
                self.watch(outcome)
            except Exception:  # the alert must not stop the night
                log.exception("%s: the failure alert failed", source)
        return outcome

    def _attempt(self, source: str) -> tuple[str, str | None, bool, object]:
        """One run: (status, error, whether trying again may help, the run's numbers)."""
        try:
            log.info("%s: run started", source)
            result = self.job(source)  # takes the source's lock: a held one raises SourceBusy
        except SourceBusy as exc:
            log.warning("%s: busy: %s", source, exc)
            return "busy", str(exc), True, None
        except SheetsalesError as exc:
            log.error("%s: run failed: %s", source, exc)
            return "failed", str(exc), isinstance(exc, WriteConflict), None
        except Exception as exc:  # guard: one broken source must not stop the others
            log.exception("%s: run failed with an unexpected error", source)
            return "failed", f"{type(exc).__name__}: {exc}", False, None
        return (*self._judge(source, result), getattr(result, "numbers", None))

    def _judge(self, source: str, result) -> tuple[str, str | None, bool]:
        """Log what a run did, and its delivery trouble one line per owner."""
        summary = getattr(result, "summary", None)
        log.info("%s: run finished: %s", source, summary() if summary else "done")
        for note in getattr(result, "notes", ()):
            log.warning("%s: %s", source, note)
        delivery = getattr(result, "delivery", None)
        code = result.exit_code() if hasattr(result, "exit_code") else EXIT_OK
        transient = False
        if delivery is not None:
            for digest in delivery.undelivered:
                log.error("%s: %d item%s for %s not delivered%s", source, len(digest.items),
                          "" if len(digest.items) == 1 else "s", digest.name,
                          "" if digest.email else " (no e-mail address)")
            for line in delivery.failures:
                log.error("%s: %s", source, line)
            transient = bool(delivery.failures) and not delivery.unrecorded
        refused = getattr(result, "refused", None)
        if refused:
            log.error("%s: write refused: %s", source, refused)
        status = {EXIT_PARTIAL: "partial", EXIT_ERROR: "failed"}.get(code, "ok")
        return status, refused or (delivery.summary() if status != "ok" and delivery
                                   else None), transient or bool(refused)

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


def _minutes(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 60:.0f} min"


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
