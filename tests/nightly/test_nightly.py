"""The nightly job end to end: run history (STG004), digests through a real SMTP server and
an outbox, once-only sending, `history`, `schedule --once`."""

import datetime as dt
import email
import email.policy

import openpyxl

from helpers import CLEAN, OVERDUE, run_cli, write_deals

DAY1, DAY2 = "2026-11-27", "2026-11-28"


def setup(tmp_path, reminders=""):
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    config = tmp_path / "sheetsales.toml"
    config.write_text('[source]\npath = "deals.xlsx"\n' + reminders, encoding="utf-8")
    return path, config


def move_back(path, row):
    """A person moves a Proposal deal back to Discovery and clears its proposal date."""
    book = openpyxl.load_workbook(path)
    book["Deals"].cell(row, 4, "Discovery")
    book["Deals"].cell(row, 8).value = None
    book.save(path)


def test_stage_moving_back_between_runs_is_flagged(tmp_path):
    path, config = setup(tmp_path)
    run_cli(["run", "--config", config, "--today", DAY1], 0)
    move_back(path, 2)
    result = run_cli(["check", path, "--today", DAY2, "--format", "json"], 0)
    assert "STG004" not in result.stdout  # check alone has no history
    run_cli(["run", "--config", config, "--today", DAY2], 0)
    flags = openpyxl.load_workbook(path)["Deals"]["M2"].value
    assert "STG004 stage moved back from Proposal to Discovery since the last run" in flags
    history = run_cli(["history", "--config", config], 0).stdout.splitlines()
    assert len(history) == 2 and "STG004 1" in history[0] and "written" in history[0]


OUTBOX = '[reminders]\noutbox = "outbox"\nsender = "pipeline@example.com"\n' \
         '[reminders.owners]\nBo = "bo@example.com"\nAna = "ana@example.com"\n'


def test_outbox_digests_are_sent_once_per_item(tmp_path):
    _, config = setup(tmp_path, OUTBOX)
    run_cli(["run", "--config", config, "--today", DAY1], 0, stdout="Reminders: 1 items")
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert "bo@example.com" in message["To"]
    assert "D-2" in message.get_body(("plain",)).get_content()
    run_cli(["run", "--config", config, "--today", DAY1], 0, stdout="Reminders: 0 items")
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_digests_reach_a_real_smtp_server(tmp_path, smtp_server):
    controller, inbox = smtp_server
    smtp = (f'[reminders]\nsender = "pipeline@example.com"\n[reminders.owners]\n'
            f'Bo = "bo@example.com"\n[reminders.smtp]\nhost = "127.0.0.1"\n'
            f"port = {controller.port}\nstarttls = false\n")
    _, config = setup(tmp_path, smtp)
    run_cli(["run", "--config", config, "--today", DAY1], 0, stdout="by smtp")
    assert inbox.to() == ["bo@example.com"]
    run_cli(["run", "--config", config, "--today", DAY1], 0)
    assert len(inbox.messages) == 1  # the same day again: nothing new


def test_remind_prints_without_writing(tmp_path):
    path, config = setup(tmp_path)
    before = path.read_bytes()
    result = run_cli(["remind", "--config", config, "--today", DAY1], 0)
    assert "D-2" in result.stdout and "Bo" in result.stdout
    assert path.read_bytes() == before


def test_schedule_once_runs_every_source_and_survives_a_failing_one(tmp_path):
    path, config = setup(tmp_path)
    config.write_text('[schedule]\nsources = ["missing.xlsx", "deals.xlsx"]\n', encoding="utf-8")
    before = path.read_bytes()
    result = run_cli(["schedule", "--once", "--config", config, "--today", DAY1], 2)
    assert "missing.xlsx: failed" in result.stdout and "deals.xlsx: ok" in result.stdout
    assert path.read_bytes() != before  # the good source was still run


def test_undo_is_recorded(tmp_path):
    path, config = setup(tmp_path)
    original = path.read_bytes()
    run_cli(["run", "--config", config, "--today", DAY1], 0)
    run_cli(["undo", path, "--config", config], 0)
    assert path.read_bytes() == original
    assert dt.date.fromisoformat(DAY1)  # dates parse


def test_idle_clock_from_history_when_the_sheet_has_no_stage_dates(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", "Acme", "Ana", "Discovery"]],
                       headers=["Deal ID", "Company", "Owner", "Stage"])
    config = tmp_path / "sheetsales.toml"
    config.write_text('[source]\npath = "deals.xlsx"\n', encoding="utf-8")
    run_cli(["run", "--config", config, "--today", "2026-11-01"], 0)
    run_cli(["run", "--config", config, "--today", "2026-11-10"], 0)
    assert openpyxl.load_workbook(path)["Deals"]["E2"].value == "OK"
    run_cli(["run", "--config", config, "--today", "2026-11-20"], 0)
    row = [c.value for c in openpyxl.load_workbook(path)["Deals"][2]]
    assert row[4] == "Idle" and "idle for 19 days at Discovery (limit 14 days, since " \
        "2026-11-01)" in row[5]


def test_a_history_that_disappeared_is_noticed_and_old_items_are_not_all_resent(tmp_path):
    path, config = setup(tmp_path, OUTBOX)
    run_cli(["run", "--config", config, "--today", "2026-11-25"], 0, stdout="Reminders: 1 items")
    (tmp_path / ".sheetsales" / "history.sqlite").unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / ".sheetsales" / f"history.sqlite{extra}").unlink(missing_ok=True)
    result = run_cli(["run", "--config", config, "--today", DAY2], 0,
                     stderr="was missing, so a new one was started; 1 overdue or idle items")
    assert "Reminders: 0 items" in result.stdout  # D-2, 4 days overdue, was surely sent
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    run_cli(["run", "--config", config, "--today", "2026-12-01"], 0,
            stdout="Reminders: 1 items")  # back on the 3-day cadence
