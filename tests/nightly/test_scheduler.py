import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sheetsales.core.config import Config, build_config
from sheetsales.core.errors import ConfigError, SourceError, WriteConflict
from sheetsales.nightly.history import History, history_path
from sheetsales.core.errors import SourceBusy
from sheetsales.operations.guard import holder_path, lock_path, source_lock
from sheetsales.nightly.scheduler import Scheduler, scheduled_sources, setup_logging, wall_time
from lock_holder import hold

PARIS = ZoneInfo("Europe/Paris")


class FakeClock:
    """The time, moved only by `sleep`; stops the scheduler once past `until`."""

    def __init__(self, start: dt.datetime, until: dt.datetime | None = None):
        self.now, self.until, self.naps = start, until, []
        self.scheduler = None

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.naps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)
        if self.until and self.now >= self.until:
            self.scheduler.stop()


def paris(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def make(tmp_path, clock, job, sources=("a.xlsx", "b.xlsx"), last_run=None, at="07:00"):
    config = build_config({"rules": {"time_zone": "Europe/Paris"},
                           "schedule": {"at": at, "sources": list(sources)}},
                          tmp_path / "sheetsales.toml")
    scheduler = Scheduler(config, job, clock=clock, sleep=clock.sleep,
                          last_run=last_run or (lambda source: None))
    clock.scheduler = scheduler
    return scheduler


def test_runs_each_source_daily_at_the_configured_local_time(tmp_path):
    calls = []
    clock = FakeClock(paris(4, 6), until=paris(7, 0))
    scheduler = make(tmp_path, clock, lambda source: calls.append((Path(source).name, clock())))
    assert scheduler.next_run == paris(4, 7)
    outcomes = scheduler.run_forever(handle_signals=False)
    assert [(name, when.astimezone(PARIS)) for name, when in calls] == [
        ("a.xlsx", paris(4, 7)), ("b.xlsx", paris(4, 7)),
        ("a.xlsx", paris(5, 7)), ("b.xlsx", paris(5, 7)),
        ("a.xlsx", paris(6, 7)), ("b.xlsx", paris(6, 7))]
    assert [o.status for o in outcomes] == ["ok"] * 6
    assert max(clock.naps) <= 60  # it wakes every minute to notice a suspended machine
    assert all(os.path.isabs(source) for source in scheduler.sources)


def test_the_run_time_follows_daylight_saving(tmp_path):
    calls = []
    clock = FakeClock(paris(28, 8), until=paris(31, 0))
    make(tmp_path, clock, lambda s: calls.append(clock()), sources=["a.xlsx"],
         last_run=lambda s: paris(28, 7)).run_forever(handle_signals=False)
    # Paris moves from UTC+1 to UTC+2 on 29 March 2026: still 07:00 local both days
    assert [c.astimezone(dt.timezone.utc).hour for c in calls] == [5, 5]
    assert [c.astimezone(PARIS).hour for c in calls] == [7, 7]
    assert wall_time(dt.date(2026, 3, 29), dt.time(2, 30), PARIS) == paris(29, 3, 30)


def test_a_failing_job_is_logged_and_the_others_still_run(tmp_path, caplog):
    calls = []

    def job(source):
        calls.append(Path(source).name)
        if source.endswith("a.xlsx"):
            raise RuntimeError("boom")
        if source.endswith("b.xlsx"):
            raise SourceError("b.xlsx not found; check the path")

    clock = FakeClock(paris(4, 6), until=paris(6, 0))
    scheduler = make(tmp_path, clock, job, sources=["a.xlsx", "b.xlsx", "c.xlsx"])
    with caplog.at_level(logging.INFO, "sheetsales"):
        outcomes = scheduler.run_forever(handle_signals=False)
    assert calls == ["a.xlsx", "b.xlsx", "c.xlsx"] * 2  # and again the next day
    assert [o.status for o in outcomes] == ["failed", "failed", "ok"] * 2
    assert outcomes[0].error == "RuntimeError: boom"
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "a.xlsx: run failed with an unexpected error" in failures[0].getMessage()
    assert failures[0].exc_info is not None  # the traceback goes to the log
    assert failures[1].getMessage().endswith("b.xlsx: run failed: b.xlsx not found; check "
                                             "the path")
    assert failures[1].exc_info is None  # a user error is one line


@pytest.mark.parametrize("start, last, expected", [
    (paris(4, 9), None, ["a.xlsx", "b.xlsx"]),             # missed this morning: catch up
    (paris(4, 9), paris(4, 7, 2), []),                      # it already ran today
    (paris(4, 9), paris(3, 7, 2), ["a.xlsx", "b.xlsx"]),   # last ran yesterday
    (paris(4, 6), None, []),                                # not yet time today
])
def test_catch_up_at_start(tmp_path, start, last, expected):
    calls = []
    clock = FakeClock(start)
    scheduler = make(tmp_path, clock, lambda s: calls.append(Path(s).name),
                     last_run=lambda s: last)
    scheduler.catch_up()
    assert calls == expected
    assert scheduler.next_run == (paris(5, 7) if start.hour >= 7 else paris(4, 7))


def test_catch_up_reads_the_history_by_default(tmp_path):
    workbook = tmp_path / "deals.xlsx"
    config = build_config({"schedule": {"sources": ["deals.xlsx"]}},
                          tmp_path / "sheetsales.toml")
    now = dt.datetime(2026, 3, 4, 9, tzinfo=dt.timezone.utc)
    calls = []
    scheduler = Scheduler(config, calls.append, clock=lambda: now)
    scheduler.catch_up()
    assert calls == [str(workbook)]  # no history yet (and none created by looking)
    with History.open(history_path(config, workbook)) as history:
        run = history.start_run(workbook, "Deals", now.replace(hour=8))
        history.finish_run(run, "ok", {})
    scheduler.catch_up()
    assert calls == [str(workbook)]


def test_signal_stops_between_jobs(tmp_path, caplog):
    calls = []

    def job(source):
        calls.append(Path(source).name)
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while a job runs

    clock = FakeClock(paris(4, 9))
    scheduler = make(tmp_path, clock, job, sources=["a.xlsx", "b.xlsx"])
    before = signal.getsignal(signal.SIGTERM)
    with caplog.at_level(logging.INFO, "sheetsales"):
        outcomes = scheduler.run_forever()
    assert calls == ["a.xlsx"] and [o.status for o in outcomes] == ["ok"]
    assert "SIGTERM received: stopping after the current job" in caplog.text
    assert "scheduler stopped" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_sigint_while_waiting_stops_the_loop(tmp_path):
    clock = FakeClock(paris(4, 6))

    def nap(seconds):
        clock.now += dt.timedelta(seconds=seconds)
        os.kill(os.getpid(), signal.SIGINT)

    config = build_config({"schedule": {"sources": ["a.xlsx"]}}, tmp_path / "sheetsales.toml")
    scheduler = Scheduler(config, lambda s: None, clock=clock, sleep=nap,
                          last_run=lambda s: None)
    assert scheduler.run_forever() == []


def test_run_once_runs_every_source_guarded(tmp_path):
    def job(source):
        if source.endswith("a.xlsx"):
            raise ValueError("bad")
        if source.endswith("b.xlsx"):
            raise WriteConflict("deals.xlsx is open in Excel; close it")

    scheduler = make(tmp_path, FakeClock(paris(4, 3)), job, sources=["a.xlsx", "b.xlsx",
                                                                      "c.xlsx"])
    assert [(Path(o.source).name, o.status) for o in scheduler.run_once()] == [
        ("a.xlsx", "failed"), ("b.xlsx", "failed"), ("c.xlsx", "ok")]


REAL_TIME = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from sheetsales.core.config import load_config
    from sheetsales.nightly.scheduler import Scheduler, setup_logging
    setup_logging()
    Scheduler(load_config(sys.argv[1], environ={}), print, last_run=lambda s: None).run_forever()
""")


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_real_signal_stops_the_real_clock_loop_promptly(tmp_path, number):
    """Real clock and sleep: the wait is cut short by the signal and the process exits 0."""
    config = tmp_path / "sheetsales.toml"
    # a run time an hour from now, so it only waits (and the catch-up has nothing to do)
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%H:%M")
    config.write_text(f'[schedule]\nat = "{at}"\nsources = ["a.xlsx"]\n', encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", REAL_TIME, str(config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "scheduler started" in child.stderr.readline()
        child.send_signal(number)
        child.wait(timeout=5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        rest = child.stderr.read()
        child.stderr.close()
        ran = child.stdout.read()
        child.stdout.close()
    assert child.returncode == 0, rest
    assert ran == ""  # nothing was due
    assert "stopping after the current job" in rest and "scheduler stopped" in rest


def test_sources_resolve_against_the_config_folder(tmp_path):
    config = build_config({"schedule": {"sources": ["deals.xlsx", "gsheet:KEY/Deals",
                                                    "/abs/x.xlsx"]}},
                          tmp_path / "sheetsales.toml")
    assert scheduled_sources(config) == [str(tmp_path / "deals.xlsx"), "gsheet:KEY/Deals",
                                         "/abs/x.xlsx"]
    config = build_config({"source": {"path": "pipe.csv"}}, tmp_path / "sheetsales.toml")
    assert scheduled_sources(config) == [str(tmp_path / "pipe.csv")]
    with pytest.raises(ConfigError, match=r"\[schedule\] sources"):
        scheduled_sources(Config())


# --- the per-source lock ----------------------------------------------------------------------



def test_a_second_process_cannot_run_the_same_source(tmp_path, caplog):
    source = str(tmp_path / "deals.xlsx")
    holder = hold(source)
    try:
        with pytest.raises(SourceBusy, match=rf"process {holder.pid}\)"):
            with source_lock(source):
                pass
        calls = []

        def job(source):  # as `run` does: the lock is taken by the operation, once
            with source_lock(source):
                calls.append(source)
        scheduler = make(tmp_path, FakeClock(paris(4, 9)), job, sources=[source])
        with caplog.at_level(logging.WARNING, "sheetsales"):
            [outcome] = scheduler.run_once()
        assert outcome.status == "busy" and calls == [] and outcome.exit_code == 2
        assert "deals.xlsx: busy:" in caplog.text  # retried within the window, then an error
        assert outcome.attempts == 6 and "deals.xlsx: gave up after 6 attempts" in caplog.text
        with source_lock(tmp_path / "other.xlsx"):  # other sources are not blocked
            pass
    finally:
        holder.communicate("\n")
    with source_lock(source) as path:  # free once the other process is done
        assert path == tmp_path / ".sheetsales" / "deals.xlsx.lock"
        assert holder_path(path).read_text() == str(os.getpid())


def test_google_sheet_locks_live_beside_the_config(tmp_path):
    path = lock_path("gsheet:1AbC/Deals", tmp_path)
    assert path.parent == tmp_path / ".sheetsales"
    assert path.name.startswith("gsheet-1abc-deals-") and path.suffix == ".lock"
    assert lock_path("gsheet:1AbC/Other", tmp_path) != path


def test_logging_to_stderr_and_a_file(tmp_path):
    import io
    stream = io.StringIO()
    remove = setup_logging("logs/sheetsales.log", tmp_path, stream)
    try:
        logging.getLogger("sheetsales.nightly.scheduler").info("hello %s", "there")
    finally:
        remove()
    assert "INFO hello there" in stream.getvalue()
    assert "INFO hello there" in (tmp_path / "logs" / "sheetsales.log").read_text()


def test_busy_is_retried_until_the_holder_lets_go(tmp_path):
    source = str(tmp_path / "deals.xlsx")
    holder = hold(source)
    clock, calls = FakeClock(paris(4, 9)), []

    def job(source):  # as `run` does: the operation takes the lock, once
        with source_lock(source):
            calls.append(source)
    scheduler = make(tmp_path, clock, job, sources=[source])
    real_sleep = clock.sleep

    def sleep(seconds):  # the other run finishes while we wait
        real_sleep(seconds)
        if len(clock.naps) == 2:
            holder.communicate("\n")
    scheduler._sleep = sleep
    [outcome] = scheduler.run_once()
    assert (outcome.status, outcome.attempts, calls) == ("ok", 3, [source])


def test_retry_minutes_zero_gives_up_at_once(tmp_path):
    config = build_config({"schedule": {"sources": ["a.xlsx"], "retry_minutes": 0}},
                          tmp_path / "sheetsales.toml")

    def busy(source):
        raise SourceBusy("a.xlsx is being updated by another sheetsales command")
    clock = FakeClock(paris(4, 9))
    [outcome] = Scheduler(config, busy, clock=clock, sleep=clock.sleep).run_once()
    assert (outcome.status, outcome.attempts, clock.naps) == ("busy", 1, [])


def test_a_lock_held_too_long_is_reported_stuck_with_its_pid_and_age(tmp_path):
    from sheetsales.nightly.busy import busy_message
    lock = tmp_path / "deals.xlsx.lock"
    lock.write_text("4242")
    now = lock.stat().st_mtime
    assert "(process 4242), running for 5 min" in busy_message("deals.xlsx", lock, "4242",
                                                               now, now + 300)
    stuck = busy_message("deals.xlsx", lock, "4242", now, now + 3 * 3600 + 60)
    assert stuck.startswith("deals.xlsx looks stuck: process 4242 has held its lock")
    assert "for 3 h 1 min" in stuck and "(kill 4242)" in stuck
