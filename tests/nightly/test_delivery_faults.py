"""The nightly path against a misbehaving mail server and a killed job (issues 19 and 24):
each digest is recorded the moment the server accepts it, so after any fault a healthy night
delivers every due item and re-sends at most the one digest whose acceptance was not yet
recorded, with the same Message-ID; nothing hangs; exit codes and warnings say what
happened. Kills are real SIGKILLs at a marker (the server paused at a point, or a hook in
the child process), never timed."""

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import HEADERS, run_cli, write_deals
from sheetsales.core.config import build_config
from sheetsales.nightly.delivery import send_reminders
from sheetsales.nightly.history import History
from sheetsales.nightly.mail import message_id
from sheetsales import check
from sheetsales.sources import MemoryGrid

DAY = "2026-11-28"
D = dt.date


def overdue(deal_id, owner):
    return [deal_id, f"Company {deal_id}", owner, "Won", 500, D(2026, 10, 1), D(2026, 10, 2),
            D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 24), None]


DEALS = [overdue("D-1", "Ana"), overdue("D-2", "Bo"), overdue("D-3", "Cy")]
ADDRESSES = {"Ana": "ana@example.com", "Bo": "bo@example.com", "Cy": "cy@example.com"}


def smtp_settings(port, **more):
    return {"host": "127.0.0.1", "port": port, "starttls": False, **more}


def config_for(tmp_path, port, **smtp):
    return build_config({"reminders": {"owners": ADDRESSES, "sender": "pipeline@example.com",
                                       "smtp": smtp_settings(port, **smtp)}},
                        tmp_path / "sheetsales.toml")


def report(day=D(2026, 11, 28)):
    return check(MemoryGrid({"Deals": [HEADERS, *DEALS]}), build_config({}), day)


def night(tmp_path, cfg, day=D(2026, 11, 28), history_hook=None):
    with History.open(tmp_path / "h.sqlite") as history:
        if history_hook:
            history_hook(history)
        return send_reminders(report(day), cfg, history, environ={}, source="deals.xlsx")


# --- in process: the server misbehaves ------------------------------------------------------

def test_a_quit_answered_with_500_undoes_nothing(tmp_path, smtp_server):
    controller, inbox = smtp_server
    inbox.quit_reply = "500 go away"
    cfg = config_for(tmp_path, controller.port)
    first = night(tmp_path, cfg)
    assert len(first.delivered) == 3 and first.complete
    again = night(tmp_path, cfg)  # used to re-send every digest while the server did so
    assert again.delivered == [] and len(inbox.messages) == 3


def test_a_dropped_connection_leaves_the_rest_pending_and_resends_with_the_same_id(
        tmp_path, smtp_server):
    controller, inbox = smtp_server
    inbox.drop_at = 2
    cfg = config_for(tmp_path, controller.port)
    first = night(tmp_path, cfg)
    assert [d.owner for d in first.delivered] == ["Ana"]
    assert [d.owner for d in first.undelivered] == ["Bo", "Cy"] and not first.complete
    assert "dropped the session while taking Bo's digest" in first.failures[0]
    with History.open(tmp_path / "h.sqlite") as history:
        [pending] = history.unconfirmed("deals.xlsx")  # Bo's may or may not have arrived
    inbox.drop_at = None
    second = night(tmp_path, cfg)
    assert [d.owner for d in second.delivered] == ["Bo", "Cy"] and second.complete
    assert inbox.to() == sorted(ADDRESSES.values())  # each once
    assert inbox.ids("bo@example.com") == [pending.message_id]
    assert any("sending Bo's digest again with Message-ID" in w for w in second.warnings)
    with History.open(tmp_path / "h.sqlite") as history:
        assert history.unconfirmed("deals.xlsx") == []


def test_a_dripping_server_is_cut_off_at_the_session_deadline(tmp_path, smtp_server):
    controller, inbox = smtp_server
    inbox.drip_at = 1  # a reply line every 50 ms, for ever: no socket read ever times out
    result = night(tmp_path, config_for(tmp_path, controller.port, deadline=1))
    assert result.delivered == [] and len(result.undelivered) == 3
    assert "passed its deadline of 1 s ([reminders.smtp] deadline)" in result.failures[0]


def test_when_recording_fails_sending_stops_and_says_what_went_out(tmp_path, smtp_server):
    controller, inbox = smtp_server
    blocker = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None,
                              check_same_thread=False)
    night(tmp_path, config_for(tmp_path, controller.port), D(2026, 11, 1))  # schema ready
    inbox.messages.clear()
    inbox.attempts = 0
    inbox.pause_at = 2  # Bo's message: lock the history before the server accepts it
    inbox.on_pause = lambda: blocker.execute("BEGIN IMMEDIATE")
    cfg = config_for(tmp_path, controller.port)
    first = night(tmp_path, cfg, history_hook=lambda h: h.db.execute(
        "PRAGMA busy_timeout = 50"))
    blocker.execute("ROLLBACK")
    blocker.close()
    assert [d.owner for d in first.delivered] == ["Ana", "Bo"]
    assert [d.owner for d in first.unrecorded] == ["Bo"]
    assert [d.owner for d in first.undelivered] == ["Cy"]  # not sent after the failure
    assert "Bo's digest (1 items, Message-ID <" in first.failures[0]
    assert "was delivered but could not be recorded" in first.failures[0]
    assert "locked" in first.failures[0]
    inbox.pause_at = None
    second = night(tmp_path, cfg)
    assert [d.owner for d in second.delivered] == ["Bo", "Cy"]
    bo = inbox.ids("bo@example.com")
    assert len(bo) == 2 and bo[0] == bo[1]  # the one possible duplicate, recognisable
    assert len(inbox.ids("ana@example.com")) == 1


def test_a_permanent_refusal_is_reported_once_until_the_settings_change(tmp_path,
                                                                         smtp_server):
    controller, inbox = smtp_server
    inbox.refuse["bo@example.com"] = "550 5.1.1 no such user"
    cfg = config_for(tmp_path, controller.port)
    first = night(tmp_path, cfg)
    assert [d.owner for d in first.undelivered] == ["Bo"]
    assert "did not take Bo's digest" in first.failures[0] and "550" in first.failures[0]
    later = night(tmp_path, cfg, D(2026, 11, 29))
    assert later.failures == [] and [d.owner for d in later.refused_earlier] == ["Bo"]
    assert "held for an address the server refused for good" in later.summary()
    changed = config_for(tmp_path, controller.port, timeout=20)
    inbox.refuse.clear()
    fixed = night(tmp_path, changed, D(2026, 11, 30))
    assert [d.owner for d in fixed.delivered] == ["Bo"]


def test_the_message_id_is_stable_for_the_same_owner_items_and_day():
    [ana, *_] = [d for d in _digests()]
    assert message_id(ana, "p@example.com", "deals.xlsx") == \
        message_id(ana, "p@example.com", "deals.xlsx")
    assert message_id(ana, "p@example.com", "deals.xlsx").endswith("@example.com>")
    [next_day, *_] = _digests(D(2026, 11, 29))
    assert message_id(next_day, "p@example.com", "deals.xlsx") != \
        message_id(ana, "p@example.com", "deals.xlsx")


def _digests(day=D(2026, 11, 28)):
    from sheetsales.nightly.digests import build_digests
    return build_digests(report(day), build_config({}), day)


# --- a real process killed at each point of a night -----------------------------------------

def workbook_night(tmp_path, port, more="", owners=ADDRESSES):
    """The deals workbook and a config that mails `owners` through the SMTP server on `port`
    (`more`: further TOML, after it)."""
    write_deals(tmp_path / "deals.xlsx", DEALS)
    config = tmp_path / "sheetsales.toml"
    listed = "".join(f'{name} = "{address}"\n' for name, address in owners.items())
    config.write_text(f'[source]\npath = "deals.xlsx"\n[reminders]\n'
                      f'sender = "pipeline@example.com"\n[reminders.owners]\n{listed}'
                      f'[reminders.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                      f"starttls = false\n{more}", encoding="utf-8")
    return config


KILL_AT_RECORD = textwrap.dedent("""
    import os, signal, sys
    from sheetsales.nightly.history import History
    calls, original = [0], History.record_reminders
    def record(self, *args, **kwargs):  # the marker: the 2nd acceptance, before its record
        calls[0] += 1
        if calls[0] == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args, **kwargs)
    History.record_reminders = record
    from sheetsales.cli import cli
    cli(sys.argv[2:])
""")


def child(args, hook=None):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-c", KILL_AT_RECORD, str(hook)] if hook else \
        [sys.executable, "-m", "sheetsales"]
    return subprocess.Popen(command + [str(a) for a in args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def killed(process):
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["message 2 in flight", "at QUIT"])
def test_a_night_killed_at_the_server_delivers_everything_the_next_night(
        tmp_path, smtp_server, point):
    controller, inbox = smtp_server
    config = workbook_night(tmp_path, controller.port)
    inbox.pause_at = 2 if point == "message 2 in flight" else "quit"
    process = child(["run", "--config", config, "--today", DAY])
    try:
        assert inbox.paused.wait(60), process.communicate()
    finally:
        killed(process)
    inbox.resume.set()
    inbox.pause_at = None
    after = run_cli(["run", "--config", config, "--today", DAY], 0)
    assert inbox.to() == sorted(ADDRESSES.values())  # every owner, none twice
    if point == "message 2 in flight":
        assert "sending Bo's digest again with Message-ID" in after.stderr
    else:
        assert "Reminders: 0 items" in after.stdout


def test_a_kill_between_acceptance_and_record_resends_that_digest_only(tmp_path,
                                                                       smtp_server):
    controller, inbox = smtp_server
    config = workbook_night(tmp_path, controller.port)
    process = child(["run", "--config", config, "--today", DAY], hook=2)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert len(inbox.messages) == 2  # Ana's recorded, Bo's accepted but not recorded
    after = run_cli(["run", "--config", config, "--today", DAY], 0,
                    stderr="sending Bo's digest again with Message-ID")
    assert "Reminders: 2 items to 2 recipients" in after.stdout
    bo = inbox.ids("bo@example.com")
    assert len(bo) == 2 and bo[0] == bo[1]
    assert len(inbox.ids("ana@example.com")) == len(inbox.ids("cy@example.com")) == 1


# --- exit codes -----------------------------------------------------------------------------

def test_run_exits_3_when_digests_were_not_delivered(tmp_path):
    from smtp_server import free_port
    config = workbook_night(tmp_path, free_port())
    result = run_cli(["run", "--config", config, "--today", DAY], 3,
                     stderr="cannot connect to SMTP server")
    assert "Wrote" in result.stdout
    run_cli(["remind", "--config", config, "--today", DAY], 2)  # nothing was delivered


def test_a_workbook_open_in_excel_still_gets_its_reminders_out(tmp_path, smtp_server):
    controller, inbox = smtp_server
    config = workbook_night(tmp_path, controller.port)
    (tmp_path / "~$deals.xlsx").write_bytes(b"Excel's owner file")
    before = (tmp_path / "deals.xlsx").read_bytes()
    run_cli(["run", "--config", config, "--today", DAY], 3, stderr="Warning: ")
    assert (tmp_path / "deals.xlsx").read_bytes() == before
    assert inbox.to() == sorted(ADDRESSES.values())
    run_cli(["run", "--config", config, "--today", DAY], 2)  # nothing new to deliver either
    (tmp_path / "~$deals.xlsx").unlink()
    run_cli(["run", "--config", config, "--today", DAY], 0, stdout="Wrote")
