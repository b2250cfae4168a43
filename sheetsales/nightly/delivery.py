"""Delivering reminder digests (see digests.py): printed, written to an outbox folder as .eml
files, or sent by SMTP; and `send_reminders`, which builds, selects, delivers and records them.
Printing never counts as sending."""

import datetime as dt
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .digests import MANAGER, OWNER, Digest, build_digests, owner_key, select_new
from ..core.dates import plural
from ..core.durable import fsync_dir
from ..core.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, ConfigError

if TYPE_CHECKING:
    import ssl
# smtp, ledger and mail (smtplib, ssl, email: ~20 ms) are imported where mail is made, so a
# run that sends none does not pay for them (issue 18)

PRINT, OUTBOX, SMTP = "print", "outbox", "smtp"


@dataclass
class Delivery:
    """What `deliver` did: the digests delivered on the main channel (SMTP when configured,
    else the outbox, else print), files written, one-line warnings and failures, the digests
    not delivered (they stay pending), and those delivered whose record failed."""

    channel: str
    delivered: list[Digest] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    held_back: int = 0
    undelivered: list[Digest] = field(default_factory=list)
    unrecorded: list[Digest] = field(default_factory=list)
    refused_earlier: list[Digest] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every digest chosen was delivered and recorded."""
        return not (self.undelivered or self.unrecorded or self.failures)

    def exit_code(self) -> int:
        """`remind`'s exit code: 0 all delivered, 3 some, 2 none of what was due."""
        if self.complete:
            return EXIT_OK
        return EXIT_PARTIAL if self.delivered else EXIT_ERROR

    def summary(self) -> str:
        """One line: what was delivered and what was not."""
        sent = sum(len(d.items) for d in self.delivered)
        text = (f"{plural(len(self.delivered), 'digest')} "
                f"({sent} items) by {self.channel}")
        if self.undelivered:
            text += (f", {len(self.undelivered)} not delivered ("
                     + ", ".join(f"{d.name}: {len(d.items)}" for d in self.undelivered) + ")")
        if self.refused_earlier:
            text += (f", {len(self.refused_earlier)} held for an address the server refused "
                     "for good")
        if self.unrecorded:
            text += f", {len(self.unrecorded)} delivered but not recorded"
        return text


# --- delivery ---------------------------------------------------------------------------------

def channels(config) -> list[str]:
    """The configured channels: SMTP and/or the outbox folder, else printing."""
    settings = config.reminders
    found = [c for c, key in ((SMTP, "smtp"), (OUTBOX, "outbox")) if getattr(settings, key)]
    return found or [PRINT]


def outbox_path(config) -> Path:
    """[reminders] outbox, relative to the config file's folder (or the current one)."""
    folder = Path(config.reminders.outbox).expanduser()
    return (config.base_dir or Path.cwd()) / folder


def templates_folder(config) -> str | None:
    """[reminders] templates, relative to the config file's folder: the user's own digest
    templates (digest.txt, digest.html); None for the shipped ones."""
    folder = config.reminders.templates
    return str((config.base_dir or Path.cwd()) / Path(folder).expanduser()) if folder else None


def sender_address(config) -> str:
    settings = config.reminders
    user = (settings.smtp and settings.smtp.user) or ""
    return settings.sender or (user if "@" in user else "sheetsales@localhost")


def deliver(digests: list[Digest], config, environ=None, channel: str | None = None,
            stdout=None, now: dt.datetime | None = None,
            ssl_context: "ssl.SSLContext | None" = None, ledger_for=None) -> Delivery:
    """Deliver digests by `channel` ("print", "outbox" or "smtp"), else by every configured
    channel. Owners without an address are warnings; SMTP trouble is a failure (those digests
    count as not delivered); a missing password is a ConfigError before anything is sent.
    `ledger_for(delivery)` gives the Ledger that records each digest as it is accepted.
    With SMTP and an outbox both configured, the outbox keeps a copy of each message the
    server accepted (so a night with the server down writes no copies)."""
    from . import smtp
    from .mail import render_text, subject, to_email
    wanted = [channel] if channel else channels(config)
    for name in wanted:
        if name not in (PRINT, OUTBOX, SMTP):
            raise ValueError(f"unknown reminder channel {name!r}")
        if name != PRINT and not getattr(config.reminders, name):
            raise ConfigError(f"reminders cannot go to the {name} without [reminders] {name} "
                              "settings in sheetsales.toml")
    if PRINT in wanted:
        out = stdout or sys.stdout
        for digest in digests:
            to = digest.email or f"{digest.name} (no e-mail address configured)"
            out.write(f"To: {to}\nSubject: {subject(digest)}\n\n"
                      f"{render_text(digest, templates_folder(config))}\n")
        return Delivery(PRINT, list(digests))
    password = smtp.check_settings(config.reminders.smtp, environ) if SMTP in wanted \
        else None
    delivery = Delivery(SMTP if SMTP in wanted else OUTBOX)
    ledger = ledger_for(delivery) if ledger_for else None
    sender = sender_address(config)
    messages = []
    for digest in digests:
        if not digest.email:
            delivery.warnings.append(_no_address(digest))
            delivery.undelivered.append(digest)
        elif ledger and ledger.refused_earlier(digest):
            delivery.refused_earlier.append(digest)
        else:
            mid = ledger.message_id(digest, sender) if ledger else None
            messages.append((digest, to_email(digest, sender, digest.email, now, mid,
                                              templates_folder(config))))
    folder = outbox_path(config) if OUTBOX in wanted else None

    def accepted(digest, message):
        delivery.delivered.append(digest)
        if folder is not None and delivery.channel == SMTP:
            _write_outbox([(digest, message)], folder, delivery)
        if ledger:
            ledger.accepted(digest, delivery.channel)

    def refused(digest, exc):
        delivery.undelivered.append(digest)
        if ledger:
            ledger.refused(digest, exc)

    before = ledger.before if ledger else (lambda digest, message: None)
    if SMTP in wanted:
        delivery.failures += smtp.send_each(messages, config.reminders.smtp, password,
                                            ssl_context, before, accepted, refused)
        delivery.undelivered += [d for d, _ in messages if not _among(d, delivery)]
    else:
        _write_outbox(messages, folder, delivery, before, accepted)
    return delivery


def _among(digest, delivery: Delivery) -> bool:
    return any(digest is d for d in (*delivery.delivered, *delivery.undelivered))


def _no_address(digest: Digest) -> str:
    one = len(digest.items) == 1
    count = f"{len(digest.items)} item{'' if one else 's'}"
    if not digest.owner:
        return (f"{count} {'has' if one else 'have'} no Owner, so no one was reminded; fill "
                "the Owner column")
    return (f"no e-mail address for owner {digest.name!r}, so {count} "
            f"{'was' if one else 'were'} not sent; add {digest.name} = \"name@example.com\" "
            "under [reminders.owners]")


def safe_file_name(text: str, fallback: str = "owner") -> str:
    """Letters, digits and dashes only: an owner such as "../../etc/x" stays in the folder."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or fallback


def _write_outbox(messages, folder: Path, delivery: Delivery, before=None,
                  accepted=None) -> None:
    """Write each message as an .eml file; as the main channel (with `accepted`), a file
    written is a digest delivered, and one not written stays pending."""
    from . import smtp
    main = accepted is not None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        delivery.failures.append(f"cannot create the outbox folder {folder} ({exc})")
        if main:
            delivery.undelivered += [d for d, _ in messages]
        return
    for number, (digest, message) in enumerate(messages):
        base = f"{digest.today.isoformat()}-" + (
            "manager" if digest.audience == MANAGER else safe_file_name(digest.owner))
        try:
            if before:
                before(digest, message)
            delivery.files.append(write_new(folder, base, message.as_bytes(
                policy=message.policy.clone(linesep="\r\n"))))
        except smtp.Stop:
            delivery.undelivered += [d for d, _ in messages[number:]]
            return
        except OSError as exc:
            delivery.failures.append(f"cannot write {digest.name}'s digest into {folder} "
                                     f"({exc})")
            if main:
                delivery.undelivered.append(digest)
            continue
        if main:
            try:
                accepted(digest, message)
            except smtp.Stop:
                delivery.undelivered += [d for d, _ in messages[number + 1:]]
                return


def write_new(folder: Path, base: str, data: bytes) -> Path:
    """Write `data` to folder/base.eml, or base-2.eml ... : never over an existing file, and
    never a half-written .eml (written under a dot name, then put in place)."""
    temp = folder / f".{base}.{os.getpid()}.tmp"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        for number in range(1, 1000):
            target = folder / (f"{base}.eml" if number == 1 else f"{base}-{number}.eml")
            if target.resolve().parent != folder.resolve():
                raise OSError(f"unsafe file name {target.name!r}")
            if _place(temp, target):
                fsync_dir(folder)
                return target
        raise OSError(f"too many digests named {base} in one day")
    finally:
        temp.unlink(missing_ok=True)


def _place(temp: Path, target: Path) -> bool:
    """Give `temp` the name `target` unless that name exists. A hard link does it in one
    step; where there is none (Windows, FAT drives, some network shares) the name is claimed
    with an exclusive create and the finished file renamed over the claim."""
    link = getattr(os, "link", None)
    if link is not None:
        try:
            link(temp, target)
            return True
        except FileExistsError:
            return False
        except OSError:
            pass
    try:
        claim = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(claim)
    os.replace(temp, target)
    return True


# --- all together -----------------------------------------------------------------------------

def send_reminders(report, config, history=None, today: dt.date | None = None, environ=None,
                   channel: str | None = None, stdout=None, source: str | None = None,
                   run_id: int | None = None, now: dt.datetime | None = None,
                   ssl_context: "ssl.SSLContext | None" = None,
                   done: frozenset = frozenset()) -> Delivery:
    """Build the digests, keep what is new (unless printing), deliver, and record in
    `history` each digest the moment the main channel accepted it; items ticked Done on the
    Reminders sheet (`done`) are left out."""
    from .ledger import Ledger
    today = today or report.today
    source = source or report.sheet.source
    printing = (channel or channels(config)[0]) == PRINT
    digests = build_digests(report, config, today, done)
    chosen = select_new(digests, None if printing else history, today, config, source)
    recording = history is not None and not printing
    ledger_for = (lambda delivery: Ledger(history, source, today, run_id, config, delivery)) \
        if recording else None
    delivery = deliver(chosen, config, environ, channel, stdout, now, ssl_context, ledger_for)
    delivery.held_back = sum(len(d.items) for d in digests) - sum(
        len(d.items) for d in chosen if d.audience == OWNER)
    if history is not None and not printing and delivery.complete:
        history.forget_closed(source, [(OWNER, owner_key(i.owner), i.key)
                                       for d in digests for i in d.items], today)
    return delivery
