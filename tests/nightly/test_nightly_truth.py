"""Item 1 of issue 19, verified: every silent failure the issue lists now speaks, through the
real CLI, a real workbook and a real (or absent) SMTP server on loopback. One test per
failure: an SMTP server that is down under `schedule --once` and under `run`, an owner with
no e-mail address under `run` and under `schedule --once`, and the log line that says what a
scheduled run did (cells written, findings, e-mails sent, owners skipped)."""

import pytest

from helpers import run_cli
from smtp_server import free_port
from test_delivery_faults import ADDRESSES, DAY, workbook_night

NO_RETRY = "[schedule]\nretry_minutes = 0\nlog_file = \"night.log\"\n"


def night(tmp_path, port, owners=ADDRESSES):
    return workbook_night(tmp_path, port, NO_RETRY, owners)


def log(tmp_path) -> str:
    return (tmp_path / "night.log").read_text(encoding="utf-8")


def test_schedule_once_with_the_smtp_server_down_exits_3_and_logs_each_owner(tmp_path):
    config = night(tmp_path, free_port())
    result = run_cli(["schedule", "--once", "--config", config, "--today", DAY], 3)
    assert "deals.xlsx: ok" not in result.stdout and "partial" in result.stdout
    text = log(tmp_path)
    for owner in ADDRESSES:
        assert f"1 item for {owner} not delivered" in text
    assert "ERROR" in text and "cannot connect" in text


def test_run_with_the_smtp_server_down_exits_3(tmp_path):
    config = night(tmp_path, free_port())
    run_cli(["run", "--config", config, "--today", DAY], 3, stderr="cannot connect")


@pytest.fixture
def no_address_for_cy(tmp_path, smtp_server):
    controller, inbox = smtp_server
    owners = {k: v for k, v in ADDRESSES.items() if k != "Cy"}
    return night(tmp_path, controller.port, owners), inbox


def test_run_with_an_owner_without_address_exits_3_and_says_who(tmp_path, no_address_for_cy):
    config, inbox = no_address_for_cy
    run_cli(["run", "--config", config, "--today", DAY], 3,
            stderr="no e-mail address for owner 'Cy'")
    assert inbox.to() == sorted(v for k, v in ADDRESSES.items() if k != "Cy")


def test_schedule_logs_an_owner_without_address_with_the_count(tmp_path, no_address_for_cy):
    config, _ = no_address_for_cy
    run_cli(["schedule", "--once", "--config", config, "--today", DAY], 3)
    assert "ERROR" in log(tmp_path) and "1 item for Cy not delivered (no e-mail address)" \
        in log(tmp_path)


def test_a_scheduled_run_logs_one_line_of_what_it_did(tmp_path, smtp_server):
    controller, _ = smtp_server
    config = night(tmp_path, controller.port)
    run_cli(["schedule", "--once", "--config", config, "--today", DAY], 0)
    finished = [line for line in log(tmp_path).splitlines() if "run finished" in line]
    assert len(finished) == 1
    line = finished[0]
    assert "3 deals" in line and "findings" in line and "wrote" in line.lower()
    assert "reminders:" in line and "3" in line.split("reminders:")[1]
