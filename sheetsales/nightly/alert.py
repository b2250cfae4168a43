"""[schedule] alert: one message to a person when a source has not been fully done on
[schedule] alert_after_nights nights in a row (issue 19), so a job that fails every night is
heard of even when nobody reads its log.

A night counts against a source when its outcome is anything but "ok" (failed, busy, or
only partly done: digests not delivered). The failing nights since its last good night are
kept in `.sheetsales/alerts.json` beside the config; the alert goes once per such run of
failures, by the [reminders] SMTP server or else into the outbox, and is tried again on the
next failing night if it could not be sent. A good night starts the count afresh."""

import json
import logging
import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..core.dates import today_in
from ..core.durable import fsync_dir
from ..core.errors import SheetsalesError
from . import smtp
from .delivery import outbox_path, safe_file_name, sender_address, write_new

log = logging.getLogger("sheetsales.nightly.alert")


@dataclass(frozen=True)
class _Alert:
    name: str  # what smtp.send_each calls a message in its failure lines


class FailureAlert:
    """Called with each scheduler Outcome; sends the alert when one is due."""

    def __init__(self, config, environ=None, ssl_context=None):
        self.config, self.environ, self.ssl_context = config, environ, ssl_context
        self.path = (config.base_dir or Path.cwd()) / ".sheetsales" / "alerts.json"

    def __call__(self, outcome) -> None:
        settings = self.config.schedule
        state = self._load()
        if outcome.status == "ok":
            if state.pop(outcome.source, None) is not None:
                self._save(state)
            return
        day = today_in(self.config.rules.time_zone, outcome.started).isoformat()
        entry = state.setdefault(outcome.source, {"nights": [], "alerted": False})
        if day not in entry["nights"]:
            entry["nights"].append(day)
        entry["error"] = outcome.error or outcome.status
        if len(entry["nights"]) >= settings.alert_after_nights and not entry["alerted"]:
            failure = self._send(outcome.source, entry)
            if failure:
                log.error("%s: the alert to %s was not sent: %s", outcome.source,
                          settings.alert, failure)
            else:
                entry["alerted"] = True
                log.warning("%s: not done %d nights in a row; alert sent to %s",
                            outcome.source, len(entry["nights"]), settings.alert)
        self._save(state)

    # the message
    def message(self, source: str, entry: dict) -> EmailMessage:
        """The alert for `source` after the failing nights of `entry`."""
        nights, sender = entry["nights"], sender_address(self.config)
        message = EmailMessage()
        message["From"], message["To"] = sender, self.config.schedule.alert
        message["Subject"] = f"sheetsales: {source} not done {len(nights)} nights in a row"
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid("sheetsales-alert", sender.rpartition("@")[2]
                                           or "localhost")
        log_file = self.config.schedule.log_file
        message.set_content(
            f"The nightly sheetsales job has not fully done {source} on {len(nights)} nights "
            f"in a row ({', '.join(nights)}).\n\nThe last night's trouble: {entry['error']}\n\n"
            "Until it is fixed, reminders from this sheet may not reach the people who need "
            "them. " + (f"The log {log_file} says what happened each night." if log_file
                        else "The job's log says what happened each night.") +
            "\n\nThis alert is sent once; the count starts afresh after a good night.\n")
        return message

    def _send(self, source: str, entry: dict) -> str | None:
        """Send the alert; None when it went, else what went wrong."""
        message, reminders = self.message(source, entry), self.config.reminders
        if reminders.smtp:
            try:
                password = smtp.check_settings(reminders.smtp, self.environ)
            except SheetsalesError as exc:
                return str(exc)
            sent = []
            failures = smtp.send_each([(_Alert("the alert"), message)], reminders.smtp,
                                      password, self.ssl_context, lambda *a: None,
                                      lambda alert, m: sent.append(alert), lambda *a: None)
            return None if sent else "; ".join(failures) or "the server did not take it"
        if reminders.outbox:
            folder = outbox_path(self.config)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                write_new(folder, f"{entry['nights'][-1]}-alert-{safe_file_name(source)}",
                          message.as_bytes())
            except OSError as exc:
                return f"cannot write it into {folder} ({exc})"
            return None
        return ("there is nowhere to send it: set [reminders.smtp] or [reminders] outbox in "
                "sheetsales.toml")

    # the state
    def _load(self) -> dict:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or damaged: counting starts again
        return state if isinstance(state, dict) else {}

    def _save(self, state: dict) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temp.write_text(json.dumps(state, indent=1), encoding="utf-8")
            os.replace(temp, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            log.error("cannot record the failing nights in %s (%s)", self.path, exc)
