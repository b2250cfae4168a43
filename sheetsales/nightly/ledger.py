"""The history's side of delivering digests, one message at a time: the Message-ID each
digest carries (reusing the one of a message whose acceptance was never recorded), a note
before each message is handed over, the record the moment it is accepted, and addresses a
server refused for good. If the history cannot record, sending stops and the delivery names
what went out unrecorded."""

import dataclasses
import datetime as dt
import hashlib
import json

from .digests import Digest, owner_key
from .history_errors import HistoryError
from .history_sent import Outgoing
from .mail import message_id
from .smtp import Stop


def settings_stamp(config) -> str:
    """A fingerprint of the [reminders] settings: a refused address is tried again when
    they change."""
    text = json.dumps(dataclasses.asdict(config.reminders), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Ledger:
    """Records one night's deliveries of `source` in `history` as they happen."""

    def __init__(self, history, source: str, today: dt.date, run_id: int | None, config,
                 delivery):
        self.history, self.source, self.today, self.run_id = history, source, today, run_id
        self.delivery = delivery
        self.settings = settings_stamp(config)
        self.ids: dict[int, str] = {}
        self.stopped = False
        self._unconfirmed = {(o.audience, o.owner, frozenset(o.items)): o
                             for o in history.unconfirmed(source)}

    def message_id(self, digest: Digest, sender: str) -> str:
        """The digest's Message-ID; a digest whose items were handed over before without a
        recorded acceptance gets that message's ID again, and the log says so."""
        earlier = self._unconfirmed.get((digest.audience, owner_key(digest.owner),
                                         frozenset(i.key for i in digest.items)))
        if earlier:
            found = earlier.message_id
            self.delivery.warnings.append(
                f"sending {digest.name}'s digest again with Message-ID {found}: it was handed "
                f"to the server on {earlier.day} but its acceptance was never recorded, so "
                f"{digest.name} may receive it twice")
        else:
            found = message_id(digest, sender, self.history.key(self.source))
        self.ids[id(digest)] = found
        return found

    def refused_earlier(self, digest: Digest) -> bool:
        """Whether the server refused this digest's address for good under the same
        settings (it is not tried again until they change)."""
        return bool(digest.email) and self.history.refusal(
            self.source, digest.email, self.settings) is not None

    def before(self, digest: Digest, message=None) -> None:
        try:
            self.history.outgoing(self.source, Outgoing(
                self.ids[id(digest)], digest.audience, owner_key(digest.owner),
                tuple(i.key for i in digest.items), self.today, digest.email))
        except HistoryError as exc:
            self._stop(f"sending stopped before {digest.name}'s digest because the history "
                       f"could not note it ({exc})")

    def accepted(self, digest: Digest, channel: str) -> None:
        try:
            self.history.record_reminders(
                self.source, [(digest.audience, owner_key(item.owner), item.key, digest.email)
                              for item in digest.items],
                self.today, channel, self.run_id, self.ids.get(id(digest)))
        except HistoryError as exc:
            self.delivery.unrecorded.append(digest)
            self._stop(f"{digest.name}'s digest ({len(digest.items)} items, Message-ID "
                       f"{self.ids.get(id(digest))}) was delivered but could not be recorded "
                       f"({exc}); sending stopped, and that digest may be sent once more "
                       "with the same Message-ID")

    def refused(self, digest: Digest, exc) -> None:
        """The server answered with an error: forget the outgoing note; a permanent (5xx)
        refusal of the address is remembered."""
        codes = [code for code, _ in getattr(exc, "recipients", {}).values()]
        try:
            self.history.not_sent(self.ids[id(digest)])
            if codes and all(500 <= code < 600 for code in codes):
                reply = "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in
                                  exc.recipients.values())
                self.history.refuse(self.source, digest.email, reply, self.today,
                                    self.settings)
        except HistoryError as error:
            self.delivery.failures.append(f"the history could not note that {digest.name}'s "
                                          f"digest was refused ({error})")

    def _stop(self, line: str):
        self.stopped = True
        self.delivery.failures.append(line)
        raise Stop
