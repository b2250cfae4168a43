"""Delivering reminder digests (see digests.py): printed, written to an outbox folder as .eml
files, or sent by SMTP; and `send_reminders`, which builds, selects, delivers and records them.
Printing never counts as sending."""

import datetime as dt
import os
import re
import smtplib
import ssl
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .mail import render_text, subject, to_email
from .digests import MANAGER, OWNER, Digest, build_digests, owner_key, select_new
from ..core.errors import ConfigError

PASSWORD_ENV = "SHEETSALES_SMTP_PASSWORD"
PRINT, OUTBOX, SMTP = "print", "outbox", "smtp"


@dataclass
class Delivery:
    """What `deliver` did: the digests delivered on the main channel (SMTP when configured,
    else the outbox, else print), files written, and one-line warnings and failures."""

    channel: str
    delivered: list[Digest] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    held_back: int = 0



# --- delivery ---------------------------------------------------------------------------------

def channels(config) -> list[str]:
    """The configured channels: SMTP and/or the outbox folder, else printing."""
    settings = config.reminders or {}
    found = [c for c, key in ((SMTP, "smtp"), (OUTBOX, "outbox")) if settings.get(key)]
    return found or [PRINT]


def outbox_path(config) -> Path:
    """[reminders] outbox, relative to the config file's folder (or the current one)."""
    folder = Path(config.reminders["outbox"]).expanduser()
    return (config.base_dir or Path.cwd()) / folder


def sender_address(config) -> str:
    settings = config.reminders or {}
    user = settings.get("smtp", {}).get("user", "")
    return settings.get("sender") or (user if "@" in user else "sheetsales@localhost")


def deliver(digests: list[Digest], config, environ=None, channel: str | None = None,
            stdout=None, now: dt.datetime | None = None,
            ssl_context: ssl.SSLContext | None = None) -> Delivery:
    """Deliver digests by `channel` ("print", "outbox" or "smtp"), else by every configured
    channel. Owners without an address are warnings; SMTP trouble is a failure (those digests
    count as not delivered); a missing password is a ConfigError before anything is sent."""
    wanted = [channel] if channel else channels(config)
    for name in wanted:
        if name not in (PRINT, OUTBOX, SMTP):
            raise ValueError(f"unknown reminder channel {name!r}")
        if name != PRINT and not (config.reminders or {}).get(name):
            raise ConfigError(f"reminders cannot go to the {name} without [reminders] {name} "
                              "settings in sheetsales.toml")
    if PRINT in wanted:
        out = stdout or sys.stdout
        for digest in digests:
            to = digest.email or f"{digest.name} (no e-mail address configured)"
            out.write(f"To: {to}\nSubject: {subject(digest)}\n\n{render_text(digest)}\n")
        return Delivery(PRINT, list(digests))
    delivery = Delivery(SMTP if SMTP in wanted else OUTBOX)
    sender = sender_address(config)
    messages = []
    for digest in digests:
        if digest.email:
            messages.append((digest, to_email(digest, sender, digest.email, now)))
        else:
            delivery.warnings.append(_no_address(digest))
    done = {}
    if SMTP in wanted:
        done[SMTP] = _send_smtp(messages, config.reminders["smtp"], environ, ssl_context,
                                delivery)
    if OUTBOX in wanted:
        done[OUTBOX] = _write_outbox(messages, outbox_path(config), delivery)
    delivery.delivered = [d for d, _ in messages if id(d) in done[delivery.channel]]
    return delivery


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


def _write_outbox(messages, folder: Path, delivery: Delivery) -> set[int]:
    done = set()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        delivery.failures.append(f"cannot create the outbox folder {folder} ({exc})")
        return done
    for digest, message in messages:
        base = f"{digest.today.isoformat()}-" + (
            "manager" if digest.audience == MANAGER else safe_file_name(digest.owner))
        try:
            delivery.files.append(_write_new(folder, base, message.as_bytes(
                policy=message.policy.clone(linesep="\r\n"))))
            done.add(id(digest))
        except OSError as exc:
            delivery.failures.append(f"cannot write {digest.name}'s digest into {folder} "
                                     f"({exc})")
    return done


def _write_new(folder: Path, base: str, data: bytes) -> Path:
    """Write `data` to folder/base.eml, or base-2.eml ... : never over an existing file, and
    never a half-written .eml (written under a dot name, then linked into place)."""
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
            try:
                os.link(temp, target)
            except FileExistsError:
                continue
            _sync_folder(folder)
            return target
        raise OSError(f"too many digests named {base} in one day")
    finally:
        temp.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _send_smtp(messages, settings: dict, environ, context, delivery: Delivery) -> set[int]:
    environ = os.environ if environ is None else environ
    host, use_ssl = settings["host"], settings.get("ssl", False)
    starttls = settings.get("starttls", not use_ssl)
    port = settings.get("port", 465 if use_ssl else 587)
    user = settings.get("user")
    password = environ.get(PASSWORD_ENV) if user else None
    if user and not password:
        raise ConfigError(f"[reminders.smtp] user is set but {PASSWORD_ENV} is not; put the "
                          "SMTP password in that environment variable")
    if user and not (use_ssl or starttls) and host not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError(f"refusing to send the SMTP password unencrypted to {host}; set "
                          "starttls = true or ssl = true in [reminders.smtp]")
    done: set[int] = set()
    if not messages:
        return done
    where = f"SMTP server {host}:{port}"
    context = context or ssl.create_default_context()
    timeout = settings.get("timeout", 30)
    try:
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) \
            if use_ssl else smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        delivery.failures.append(f"cannot connect to {where} ({_scrub(exc, password)}); no "
                                 "reminders were sent, they will be tried on the next run")
        return done
    with connection:
        try:
            if starttls:
                connection.starttls(context=context)
            if user:
                connection.login(user, password)
        except (OSError, smtplib.SMTPException) as exc:
            delivery.failures.append(f"{where} refused the session ({_scrub(exc, password)}); "
                                     "check [reminders.smtp] and the password")
            return done
        for digest, message in messages:
            try:
                connection.send_message(message)
                done.add(id(digest))
            except (OSError, smtplib.SMTPException) as exc:
                delivery.failures.append(f"{where} did not take {digest.name}'s digest "
                                         f"({_scrub(exc, password)})")
    return done


def _scrub(exc: Exception, password: str | None) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(password, "***") if password else text


# --- all together -----------------------------------------------------------------------------

def send_reminders(report, config, history=None, today: dt.date | None = None, environ=None,
                   channel: str | None = None, stdout=None, source: str | None = None,
                   run_id: int | None = None, now: dt.datetime | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> Delivery:
    """Build the digests, keep what is new (unless printing), deliver, and record in
    `history` what was delivered on the main channel."""
    today = today or report.today
    source = source or report.sheet.source
    printing = (channel or channels(config)[0]) == PRINT
    digests = build_digests(report, config, today)
    chosen = select_new(digests, None if printing else history, today, config, source)
    delivery = deliver(chosen, config, environ, channel, stdout, now, ssl_context)
    delivery.held_back = sum(len(d.items) for d in digests) - sum(
        len(d.items) for d in chosen if d.audience == OWNER)
    if history is not None and not printing and delivery.delivered:
        history.record_reminders(source, [
            (d.audience, owner_key(item.owner), item.key, d.email)
            for d in delivery.delivered for item in d.items], today, delivery.channel, run_id)
    return delivery
