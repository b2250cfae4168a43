"""What the history knows about reminders: for each item the last day it was sent (one row
per item), the messages handed to a server whose acceptance is not yet recorded, and the
addresses a server refused for good.

A digest goes out in three steps, each its own small transaction: `outgoing` (before the
message is handed over: its Message-ID and items), `delivered` (the moment the server
accepted it: its items are sent, the outgoing row goes). A crash between acceptance and
`delivered` leaves the outgoing row, and the next night's digest with the same items reuses
its Message-ID, so the one possible duplicate is recognisable."""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

FORGET_AFTER_DAYS = 30  # a closed item's row is kept this long, in case it reopens


@dataclass(frozen=True)
class Outgoing:
    """A message handed to a server whose acceptance was not recorded (a crash, or the
    history failing at that moment)."""

    message_id: str
    audience: str
    owner: str
    items: tuple[str, ...]
    day: dt.date
    recipient: str | None


def resend_due(last_sent: dt.date | None, today: dt.date, resend_every_days: int | None) -> bool:
    if last_sent is None:
        return True
    return bool(resend_every_days) and (today - last_sent).days >= resend_every_days


class SentMixin:
    """History methods for reminders (mixed into History)."""

    def last_reminders(self, source, audience: str = "owner") -> dict[tuple[str, str], dt.date]:
        """(owner, item key) -> the last day it was sent to `audience` ("owner"/"manager")."""
        rows = self._read("SELECT owner, item, sent_on FROM sent WHERE source = ? AND "
                          "audience = ?", (self.key(source), audience))
        return {(owner, item): dt.date.fromisoformat(day) for owner, item, day in rows}

    def reminder_due(self, source, owner: str, key: str, today: dt.date,
                     resend_every_days: int | None, audience: str = "owner") -> bool:
        """True when the item was never sent, or was last sent at least `resend_every_days`
        days ago (0 or None: never again)."""
        row = self._read("SELECT sent_on FROM sent WHERE source = ? AND audience = ? AND "
                         "owner = ? AND item = ?", (self.key(source), audience, owner, key))
        return resend_due(dt.date.fromisoformat(row[0][0]) if row else None, today,
                          resend_every_days)

    def record_reminders(self, source, sent: Iterable[tuple[str, str, str, str | None]],
                         sent_on: dt.date, channel: str, run_id: int | None = None,
                         message_id: str | None = None) -> None:
        """Record sent items, as (audience, owner, item key, recipient address), in one
        transaction; the outgoing record of `message_id`, if any, is settled with them."""
        key, sent = self.key(source), list(sent)
        with self._transaction():
            self._record(key, sent, sent_on, channel, message_id)
            if message_id:
                self.db.execute("DELETE FROM outgoing WHERE message_id = ?", (message_id,))
            # earlier unconfirmed messages to the same people are superseded by this one
            self.db.executemany(
                "DELETE FROM outgoing WHERE source = ? AND audience = ? AND owner = ? AND "
                "day <= ?", {(key, a, o, sent_on.isoformat()) for a, o, _, _ in sent})

    def _record(self, key, sent, sent_on, channel, message_id) -> None:
        self.db.executemany(
            "INSERT INTO sent (source, audience, owner, item, sent_on, channel, recipient, "
            "message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, audience, "
            "owner, item) DO UPDATE SET sent_on = excluded.sent_on, channel = "
            "excluded.channel, recipient = excluded.recipient, message_id = "
            "excluded.message_id",
            ((key, audience, owner, item, sent_on.isoformat(), channel, recipient, message_id)
             for audience, owner, item, recipient in sent))

    def record_reminder(self, source, owner: str, key: str, sent_on: dt.date, channel: str,
                        recipient: str | None = None, audience: str = "owner") -> None:
        self.record_reminders(source, [(audience, owner, key, recipient)], sent_on, channel)

    def forget_closed(self, source, open_items: Iterable[tuple[str, str, str]],
                      today: dt.date) -> int:
        """Forget items sent more than FORGET_AFTER_DAYS ago that are no longer open
        (`open_items`: (audience, owner, item key)); returns how many."""
        key = self.key(source)
        keep = set(open_items)
        cutoff = (today - dt.timedelta(days=FORGET_AFTER_DAYS)).isoformat()
        old = [(a, o, i) for a, o, i in self._read(
            "SELECT audience, owner, item FROM sent WHERE source = ? AND sent_on < ?",
            (key, cutoff)) if (a, o, i) not in keep]
        if old:
            with self._transaction():
                self.db.executemany("DELETE FROM sent WHERE source = ? AND audience = ? AND "
                                    "owner = ? AND item = ?", ((key, *row) for row in old))
        return len(old)

    # --- messages in flight -------------------------------------------------------------

    def outgoing(self, source, message: Outgoing) -> None:
        """Note, before handing it over, that a message is about to be sent."""
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO outgoing (message_id, source, audience, owner, items, "
                "day, recipient) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message.message_id, self.key(source), message.audience, message.owner,
                 json.dumps(list(message.items)), message.day.isoformat(), message.recipient))

    def not_sent(self, message_id: str) -> None:
        """The server refused the message, or it was never handed over: forget it."""
        with self._transaction():
            self.db.execute("DELETE FROM outgoing WHERE message_id = ?", (message_id,))

    def unconfirmed(self, source) -> list[Outgoing]:
        """Messages handed to a server whose acceptance was never recorded."""
        return [Outgoing(mid, audience, owner, tuple(json.loads(items)),
                         dt.date.fromisoformat(day), recipient)
                for mid, audience, owner, items, day, recipient in self._read(
                    "SELECT message_id, audience, owner, items, day, recipient FROM outgoing "
                    "WHERE source = ? ORDER BY day", (self.key(source),))]

    def drop_unconfirmed(self, source, before: dt.date) -> None:
        """Forget unconfirmed messages older than `before` (their items were re-sent)."""
        with self._transaction():
            self.db.execute("DELETE FROM outgoing WHERE source = ? AND day < ?",
                            (self.key(source), before.isoformat()))

    # --- addresses refused for good -----------------------------------------------------

    def refuse(self, source, recipient: str, reply: str, day: dt.date, settings: str) -> None:
        """Remember that the server refused `recipient` for good under these `settings`."""
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO refused (source, recipient, reply, "
                            "refused_on, settings) VALUES (?, ?, ?, ?, ?)",
                            (self.key(source), recipient.casefold(), reply, day.isoformat(),
                             settings))

    def refusal(self, source, recipient: str, settings: str) -> tuple[str, dt.date] | None:
        """The reply and day `recipient` was refused under the same `settings`, or None
        (never refused, or the settings changed since)."""
        row = self._read("SELECT reply, refused_on FROM refused WHERE source = ? AND "
                         "recipient = ? AND settings = ?",
                         (self.key(source), recipient.casefold(), settings))
        return (row[0][0], dt.date.fromisoformat(row[0][1])) if row else None
