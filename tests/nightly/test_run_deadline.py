"""Bounded time (issue 24 item 2): each source's run has a deadline ([schedule]
run_deadline_minutes). Past it the run stops before its next phase, never inside a write,
records "timed out" in the history, and `schedule` logs it and fails. A lock held longer than
the deadline is reported as stuck with the holder's pid and age. The clock is a fake one that
moves a minute each time it is read: nothing sleeps."""

import datetime as dt
import itertools
import logging
import os
import time
import zipfile

import pytest

from helpers import CLEAN, OVERDUE, write_deals
from lock_holder import hold
from sheetsales import undo
from sheetsales.core.config import load_config
from sheetsales.core.errors import RunTooLong, SheetsalesError, SourceBusy
from sheetsales.nightly.deadline import PHASES, RunDeadline
from sheetsales.nightly.history import History, history_path
from sheetsales.nightly.scheduler import Scheduler
from sheetsales.operations.guard import holder_path, lock_path, source_lock
from sheetsales.operations.run import run

TODAY = dt.date(2026, 11, 27)
OUTBOX = ('[reminders]\noutbox = "outbox"\nsender = "pipeline@example.com"\n'
          '[reminders.owners]\nBo = "bo@example.com"\nAna = "ana@example.com"\n')


def minute_clock():
    """A monotonic clock (seconds) that moves one minute each time it is read."""
    ticks = itertools.count(0, 60)
    return lambda: float(next(ticks))


def setup(tmp_path, minutes: int):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    (tmp_path / "sheetsales.toml").write_text(
        f'[source]\npath = "deals.xlsx"\n[schedule]\nrun_deadline_minutes = {minutes}\n'
        + OUTBOX, encoding="utf-8")
    return path, load_config(tmp_path / "sheetsales.toml", environ={})


def parts(path) -> dict[str, bytes]:
    """A workbook's parts but the time openpyxl made it (a run leaves that alone)."""
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist()
                if name != "docProps/core.xml"}


def last_outcome(config, path) -> str:
    with History.open(history_path(config, str(path))) as history:
        return history.recent_runs(str(path), 1)[0].outcome


def test_a_run_past_its_deadline_stops_between_phases_and_leaves_nothing_half_done(tmp_path):
    reference, reference_config = setup(tmp_path / "reference", 0)
    run(reference, reference_config, TODAY)
    written = parts(reference)  # what a whole run writes
    stopped = set()
    for minutes in range(1, 10):
        path, config = setup(tmp_path / str(minutes), minutes)
        original = path.read_bytes()
        sent = lambda: list((path.parent / "outbox").glob("*.eml"))  # noqa: E731
        try:
            result = run(path, config, TODAY, clock=minute_clock())
        except RunTooLong as exc:  # nothing was done
            phase = next(p for p, words in PHASES.items() if f"stopped before {words}" in str(exc))
            stopped.add(phase)
            assert f"deadline of {minutes} min ([schedule] run_deadline_minutes)" in str(exc)
            assert last_outcome(config, path) == "timed out"
            assert path.read_bytes() == original and not sent()
            continue
        assert parts(path) == written
        if result.delivery.complete:
            assert last_outcome(config, path) == "written" and len(sent()) == 1
            continue
        # written, then out of time: partly done, the digests pending, the write undoable
        stopped.add("deliver")
        assert "stopped before delivering the digests" in result.delivery.failures[0]
        assert "the digests stay pending for the next run" in result.delivery.failures[0]
        assert result.exit_code() == 3 and not sent()
        assert last_outcome(config, path) == "timed out"
        undo(path, config)
        assert path.read_bytes() == original
    assert stopped == set(PHASES)  # every phase boundary was met by some deadline


def test_a_run_out_of_time_after_writing_delivers_on_the_retry(tmp_path, caplog):
    """The scheduler hears "partly done" and tries again: the sheet is already written, so
    the second attempt delivers the digests."""
    path, config = setup(tmp_path, 5)  # passes just before delivering
    clocks = iter([minute_clock(), None])
    caplog.set_level(logging.INFO, logger="sheetsales")
    scheduler = Scheduler(config, job=lambda source: run(source, config, TODAY,
                                                         clock=next(clocks)),
                          clock=lambda: dt.datetime(2026, 11, 27, 7, tzinfo=dt.timezone.utc),
                          sleep=lambda seconds: None)
    [outcome] = scheduler.run_once()
    assert outcome.status == "ok" and outcome.attempts == 2
    assert "stopped before delivering the digests" in caplog.text
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_no_deadline_and_the_time_left_bounds_the_network_phases():
    assert RunDeadline(0, minute_clock()).left() is None
    deadline = RunDeadline(5, minute_clock())  # made at 0 s
    assert deadline.bound(300.0) == 240.0  # asked at 60 s: 240 of its 300 s left
    assert deadline.bound(30.0) == 30.0
    late = RunDeadline(1, minute_clock())
    assert late.bound(300.0) == 1.0  # never 0: a phase that starts may say why it stops


def test_the_scheduler_logs_a_run_that_passed_its_deadline_and_fails(tmp_path, caplog):
    path, config = setup(tmp_path, 3)
    caplog.set_level(logging.INFO, logger="sheetsales")
    scheduler = Scheduler(config, job=lambda source: run(source, config, TODAY,
                                                         clock=minute_clock()),
                          clock=lambda: dt.datetime(2026, 11, 27, 7, tzinfo=dt.timezone.utc),
                          sleep=lambda seconds: pytest.fail("a deadline is not retried"))
    [outcome] = scheduler.run_once()
    assert outcome.status == "failed" and outcome.exit_code == 2
    assert "passed its deadline of 3 min" in outcome.error
    assert "run failed: the run passed its deadline of 3 min" in caplog.text
    assert last_outcome(config, path) == "timed out"




def test_a_lock_held_past_the_deadline_is_reported_stuck_with_pid_and_age(tmp_path):
    source = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    holder = hold(str(source))
    try:
        taken = time.time() - 50 * 60  # the holder took the lock 50 minutes ago
        os.utime(holder_path(lock_path(source)), (taken, taken))
        with pytest.raises(SourceBusy) as busy:
            with source_lock(source, stuck_after_minutes=60):
                pass
        assert "is being updated by another sheetsales command" in str(busy.value)
        with pytest.raises(SourceBusy) as stuck:
            with source_lock(source, stuck_after_minutes=30):
                pass
        assert str(stuck.value).startswith(
            f"{source} looks stuck: process {holder.pid} has held its lock")
        assert "for 50 min, longer than a run may take (30 min, [schedule] " \
               f"run_deadline_minutes); if that process is hung, stop it (kill {holder.pid})" \
               in str(stuck.value)
    finally:
        holder.communicate("\n")


def test_google_may_make_a_run_wait_only_for_the_time_it_has_left(tmp_path, monkeypatch):
    """Google asks to retry in 90 s; the run has 60 s left when it connects: it stops at once
    instead of waiting (Google's own per-run bound, 300 s, would have waited)."""
    import json

    from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key

    (tmp_path / "sheetsales.toml").write_text("[schedule]\nrun_deadline_minutes = 3\n",
                                              encoding="utf-8")
    config = load_config(tmp_path / "sheetsales.toml", environ={})
    with Emulator() as emu:
        key = tmp_path / "key.json"
        key.write_text(json.dumps(make_service_account_key(emu.url)))
        sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals", "values": [
            ["Deal ID", "Company", "Owner", "Stage"], ["D-1", "Acme", "Ana", "Lead"]]}]})
        monkeypatch.setenv("SHEETSALES_GOOGLE_API", emu.url)
        emu.queue_errors(503, count=100, retry_after=90)
        with pytest.raises(SheetsalesError, match=r"asked sheetsales to wait 90 s .* longer "
                                                  r"than the 60 s left") as stopped:
            run(f"gsheet:{sid}", config, TODAY, credentials=key, clock=minute_clock())
        api = [r for r in emu.requests() if r["path"] != "/token"]
        assert len(api) == 1, stopped.value  # asked once, never waited


def test_the_smtp_session_gets_only_the_time_the_run_has_left(tmp_path, smtp_server):
    """The run reaches delivery with its deadline just passing: the session, which alone
    may take 300 s, is cut to the 1 s any started phase gets."""
    controller, inbox = smtp_server
    inbox.drip_at = 1  # a reply line every 50 ms, for ever
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    (tmp_path / "sheetsales.toml").write_text(
        '[schedule]\nrun_deadline_minutes = 6\n[reminders]\nsender = "pipeline@example.com"\n'
        '[reminders.owners]\nBo = "bo@example.com"\n[reminders.smtp]\nhost = "127.0.0.1"\n'
        f'port = {controller.port}\nstarttls = false\ndeadline = 300\n', encoding="utf-8")
    config = load_config(tmp_path / "sheetsales.toml", environ={})
    result = run(path, config, TODAY, environ={}, clock=minute_clock())
    assert result.delivery.delivered == [] and len(result.delivery.undelivered) == 1
    assert "passed its deadline of 1 s" in result.delivery.failures[0]


@pytest.mark.parametrize("command", ["clean", "undo"])
def test_clean_and_undo_call_a_lock_stuck_by_the_configured_deadline(tmp_path, command):
    """A 90-minute deadline: a holder of 50 minutes is busy, not stuck, for every command."""
    import sheetsales
    source = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    (tmp_path / "sheetsales.toml").write_text("[schedule]\nrun_deadline_minutes = 90\n")
    config = sheetsales.load_config(tmp_path / "sheetsales.toml")
    holder = hold(str(source))
    try:
        taken = time.time() - 50 * 60
        os.utime(holder_path(lock_path(source)), (taken, taken))
        with pytest.raises(SourceBusy) as busy:
            if command == "clean":
                sheetsales.clean(source, ["whitespace"], config=config, apply=True)
            else:
                sheetsales.undo(source, config=config)
        assert "is being updated by another sheetsales command" in str(busy.value)
    finally:
        holder.communicate("\n")
