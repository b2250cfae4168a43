"""[schedule] alert (issue 19 item 1): one message when a source has not been done on
[schedule] alert_after_nights nights in a row; once per run of failures, the count starting
afresh after a good night; through a real SMTP server or into the outbox. The scheduler runs
on a fake clock, one night at a time."""

import datetime as dt
import email
import email.policy
import logging

import pytest

from sheetsales.core.config import build_config, load_config
from sheetsales.core.errors import ConfigError, SheetsalesError
from sheetsales.nightly.alert import FailureAlert
from sheetsales.nightly.scheduler import Scheduler

FIRST_NIGHT = dt.datetime(2026, 11, 20, 6, tzinfo=dt.timezone.utc)  # 07:00 in Paris
OUTBOX = {"outbox": "outbox", "sender": "pipeline@example.com"}


def nights(tmp_path, reminders, results, *, after=3, environ=None):
    """Run the scheduler once a night; `results` says per night whether the job fails
    (True) or not; the same night may run twice (a catch-up). Returns the alert state."""
    config = build_config({"rules": {"time_zone": "Europe/Paris"}, "reminders": reminders,
                           "schedule": {"sources": ["deals.xlsx"], "alert": "boss@example.com",
                                        "alert_after_nights": after}},
                          tmp_path / "sheetsales.toml")
    now = [FIRST_NIGHT]
    outcome = [False]

    def job(source):
        if outcome[0]:
            raise SheetsalesError(f"deals.xlsx cannot be read on {now[0]:%d %B}")
    scheduler = Scheduler(config, job, clock=lambda: now[0], sleep=lambda seconds: None,
                          sources=[str(tmp_path / "deals.xlsx")],
                          watch=FailureAlert(config, environ))
    for night, failing in enumerate(results):
        now[0] = FIRST_NIGHT + dt.timedelta(days=night)
        outcome[0] = failing
        scheduler.run_once()
    return config


def alerts(tmp_path) -> list:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted((tmp_path / "outbox").glob("*alert*.eml"))]


def test_three_failing_nights_in_a_row_send_one_alert(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="sheetsales")
    nights(tmp_path, OUTBOX, [True, True])
    assert alerts(tmp_path) == []  # two nights: not yet
    nights(tmp_path, OUTBOX, [True, True, True])  # nights 1-2 again (same days) and a third
    [alert] = alerts(tmp_path)
    source = tmp_path / "deals.xlsx"
    assert alert["To"] == "boss@example.com" and alert["From"] == "pipeline@example.com"
    assert alert["Subject"] == f"sheetsales: {source} not done 3 nights in a row"
    body = alert.get_body(("plain",)).get_content()
    assert "(2026-11-20, 2026-11-21, 2026-11-22)" in body
    assert "The last night's trouble: deals.xlsx cannot be read on 22 November" in body
    assert f"{source}: not done 3 nights in a row; alert sent to boss@example.com" in caplog.text


@pytest.mark.parametrize("failing, sent", [
    ([True] * 5, 1),  # nights 4 and 5 add no second alert
    ([True] * 5 + [False] + [True] * 2, 1),  # a good night, then only two failing ones
    ([True] * 5 + [False] + [True] * 3, 2),
    ([True, False] * 4, 0),  # never three in a row
])
def test_the_alert_goes_once_per_run_of_failures_and_a_good_night_resets_it(tmp_path, failing,
                                                                             sent):
    nights(tmp_path, OUTBOX, failing)
    assert len(alerts(tmp_path)) == sent


def test_the_alert_reaches_a_real_smtp_server(tmp_path, smtp_server):
    controller, inbox = smtp_server
    smtp = {"sender": "pipeline@example.com",
            "smtp": {"host": "127.0.0.1", "port": controller.port, "starttls": False}}
    nights(tmp_path, smtp, [True], after=1, environ={})
    assert inbox.to() == ["boss@example.com"]
    assert "not done 1 nights in a row" in inbox.messages[0][2]["Subject"]


def test_an_alert_that_cannot_be_sent_is_logged_and_tried_the_next_failing_night(
        tmp_path, caplog):
    from smtp_server import free_port

    caplog.set_level(logging.INFO, logger="sheetsales")
    down = {"sender": "pipeline@example.com", "outbox": "outbox",
            "smtp": {"host": "127.0.0.1", "port": free_port(), "starttls": False}}
    nights(tmp_path, down, [True], after=1, environ={})
    assert "the alert to boss@example.com was not sent: cannot connect to SMTP server" \
        in caplog.text
    assert not (tmp_path / "outbox").exists()  # the outbox is only a copy beside SMTP
    caplog.clear()
    nights(tmp_path, {"outbox": "outbox"}, [True, True], after=1)  # the server is replaced
    assert len(alerts(tmp_path)) == 1


def test_with_nowhere_to_send_the_alert_the_log_says_so(tmp_path, caplog):
    nights(tmp_path, {}, [True], after=1)
    assert "the alert to boss@example.com was not sent: there is nowhere to send it: set " \
           "[reminders.smtp] or [reminders] outbox in sheetsales.toml" in caplog.text


@pytest.mark.parametrize("setting, message", [
    ('alert = "boss"', 'an e-mail address such as "ana@example.com"'),
    ("alert_after_nights = 0", "a whole number of 1 or more"),
])
def test_the_alert_settings_are_checked(tmp_path, setting, message):
    path = tmp_path / "sheetsales.toml"
    path.write_text(f"[schedule]\n{setting}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})
