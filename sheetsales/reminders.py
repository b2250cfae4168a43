"""Reminder digests: for each owner, what is overdue, due today, due soon and idle; rendered as
plain text and HTML e-mail, held back when already sent (history), and delivered: printed,
written to an outbox folder as .eml files, or sent by SMTP.

What goes in a digest (ACTIONABLE): DUE001/DUE003/DUE005 (overdue), DUE002/DUE004 (due today
or soon) and IDL001 (idle). DUE006 (no next step planned) is a planning prompt with no date:
it stays in the report and the Flags column instead of being mailed every night.

Once only: an item's key is deal, code, due date (for idle items, the date the idle clock
started) and kind, so a delivery due soon is sent once while soon, once more on the day it is
due, and again when overdue; changing the due date makes it a new item. Overdue and idle items
are re-sent every `resend_every_days` (default 3; 0 never), and overdue items late by
`escalate_after_days` (default 7) or more also go to the `manager` address, on the same
cadence. Printing never counts as sending."""

import datetime as dt
import html
import os
import re
import smtplib
import ssl
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from .errors import ConfigError
from .history import resend_due

OVERDUE, TODAY, SOON, IDLE = "overdue", "today", "soon", "idle"
KINDS = (OVERDUE, TODAY, SOON, IDLE)
HEADINGS = {OVERDUE: "Overdue", TODAY: "Due today", SOON: "Due soon", IDLE: "Idle"}
ACTIONABLE = {"DUE001": OVERDUE, "DUE003": OVERDUE, "DUE005": OVERDUE,
              "DUE002": SOON, "DUE004": SOON, "IDL001": IDLE}
RESENT_KINDS = (OVERDUE, IDLE)
DEFAULT_RESEND_DAYS = 3
DEFAULT_ESCALATE_DAYS = 7
PASSWORD_ENV = "SHEETSALES_SMTP_PASSWORD"
OWNER, MANAGER = "owner", "manager"
PRINT, OUTBOX, SMTP = "print", "outbox", "smtp"


@dataclass(frozen=True)
class Item:
    """One thing an owner should do. `due` is the due date (for idle items, the day the idle
    clock started); `days` counts days overdue, days until due, or days idle."""

    kind: str
    code: str
    owner: str
    deal_id: str | None
    company: str | None
    action: str
    due: dt.date | None
    days: int
    row: int
    cell: str
    message: str

    @property
    def key(self) -> str:
        """Identifies the item across runs, for sending it once."""
        due = self.due.isoformat() if self.due else ""
        return f"{self.deal_id or f'row {self.row}'}:{self.code}:{due}:{self.kind}"


@dataclass(frozen=True)
class Digest:
    """The items for one owner (audience "owner"), or the escalated items of every owner
    for the manager (audience "manager"). `earlier` counts open items held back because
    they were reminded recently."""

    owner: str
    items: tuple[Item, ...]
    today: dt.date
    sheet: str
    email: str | None = None
    audience: str = OWNER
    unit: str = "day"
    earlier: int = 0

    @property
    def name(self) -> str:
        if self.audience == MANAGER:
            return "Manager"
        return _one_line(self.owner) or "(no owner)"

    def count(self, kind: str) -> int:
        return sum(item.kind == kind for item in self.items)


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


# --- building ---------------------------------------------------------------------------------

def reminder_items(report, today: dt.date | None = None) -> list[Item]:
    """The actionable items of a checked report, in digest order per kind."""
    today = today or report.today
    calendar = report.context.calendar
    deals = {deal.row: deal for deal in report.deals}
    items = []
    for finding in report.findings:
        kind = ACTIONABLE.get(finding.code)
        deal = deals.get(finding.row)
        if kind is None or deal is None:
            continue
        due = finding.due
        if kind == IDLE:
            due = _as_date(finding.value)
            days = calendar.days_between(due, today) if due else 0
        elif kind == OVERDUE:
            days = calendar.days_between(due, today) if due else 0
        else:
            days = calendar.days_between(today, due) if due else 0
            kind = TODAY if days <= 0 else SOON
        items.append(Item(kind, finding.code, _text(deal.get("owner")), deal.deal_id,
                          _text(deal.get("company")) or None, _action(deal, finding.code),
                          due, days, finding.row, finding.cell, finding.message))
    return sorted(items, key=_order)


def _order(item: Item):
    urgency = -item.days if item.kind in (OVERDUE, IDLE) else item.days
    return KINDS.index(item.kind), urgency, item.row, item.code


def _action(deal, code: str) -> str:
    if code == "DUE005" and deal.get("next_step"):
        return _text(deal.get("next_step"))
    return deal.stage.next_action if deal.stage else "Fix the stage"


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def build_digests(report, config, today: dt.date | None = None) -> list[Digest]:
    """One digest per owner (sorted by owner), each with its items overdue first, then due
    today, due soon and idle, and the owner's address from [reminders.owners] (or None)."""
    today = today or report.today
    unit = report.context.calendar.unit
    by_owner: dict[str, list[Item]] = {}  # "ana" and "Ana " are one owner
    for item in reminder_items(report, today):
        by_owner.setdefault(owner_key(item.owner), []).append(item)
    return [Digest(items[0].owner, tuple(items), today, report.sheet.title,
                   owner_address(config, items[0].owner), unit=unit)
            for _, items in sorted(by_owner.items())]


def owner_key(name: str) -> str:
    """An owner as the history records it: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def owner_address(config, owner: str) -> str | None:
    """The owner's address from [reminders.owners]; names match ignoring case and spacing."""
    owners = (config.reminders or {}).get("owners", {})
    return {owner_key(name): address for name, address in owners.items()}.get(
        owner_key(owner)) if owner else None


def select_new(digests: list[Digest], history, today: dt.date, config,
               source: str) -> list[Digest]:
    """The digests cut down to items not yet sent (overdue and idle ones again after
    `resend_every_days`), plus a manager digest of items overdue `escalate_after_days` or
    more when [reminders] manager is set. `history` may be None (nothing sent yet)."""
    settings = config.reminders or {}
    every = settings.get("resend_every_days", DEFAULT_RESEND_DAYS)
    sent = history.last_reminders(source, OWNER) if history else {}
    chosen = []
    for digest in digests:
        owner = owner_key(digest.owner)
        fresh = tuple(i for i in digest.items if _due(i, sent.get((owner, i.key)), today, every))
        if fresh:
            chosen.append(replace(digest, items=fresh, earlier=len(digest.items) - len(fresh)))
    manager = settings.get("manager")
    if manager and digests:
        after = settings.get("escalate_after_days", DEFAULT_ESCALATE_DAYS)
        escalated = history.last_reminders(source, MANAGER) if history else {}
        late = [i for d in digests for i in d.items if i.kind == OVERDUE and i.days >= after]
        fresh = tuple(i for i in late
                      if _due(i, escalated.get((owner_key(i.owner), i.key)), today, every))
        if fresh:
            first = digests[0]
            chosen.append(Digest("", tuple(sorted(fresh, key=lambda i: (i.owner.casefold(),
                                                                        _order(i)))),
                                 today, first.sheet, manager, MANAGER, first.unit,
                                 len(late) - len(fresh)))
    return chosen


def _due(item: Item, last_sent: dt.date | None, today: dt.date, every: int) -> bool:
    """Never sent, or an overdue/idle item last sent at least `every` days ago."""
    return last_sent is None or (item.kind in RESENT_KINDS and resend_due(last_sent, today, every))


# --- rendering --------------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                        r"\u2066-\u2069\ufeff]+")


def _one_line(value, limit: int = 120) -> str:
    """A cell value made safe for one line of a message: no line breaks, control or
    direction-changing characters, and not too long."""
    text = " ".join(_INVISIBLE.sub(" ", _text(value)).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _plural(count: int, unit: str) -> str:
    count = abs(count)
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _when(item: Item, unit: str) -> str:
    due = item.due.isoformat() if item.due else "no date"
    if item.kind == OVERDUE:
        return f"due {due} ({_plural(item.days, unit)} overdue)"
    if item.kind == TODAY:
        return f"due today ({due})"
    if item.kind == SOON:
        return f"due {due} (in {_plural(item.days, unit)})"
    return f"idle since {due} ({_plural(item.days, unit)})"


def _cells(item: Item, digest: Digest) -> dict[str, str]:
    """The values shown for an item, each one line; escaping is up to the renderer."""
    return {"owner": _one_line(item.owner) or "(no owner)",
            "deal": _one_line(item.deal_id) or "(no ID)",
            "company": _one_line(item.company) or "(no company)",
            "action": _one_line(item.action), "when": _when(item, digest.unit),
            "row": f"row {item.row}", "cell": _one_line(item.cell), "code": item.code}


def subject(digest: Digest) -> str:
    counts = ", ".join(f"{digest.count(k)} {HEADINGS[k].lower()}" for k in KINDS
                       if digest.count(k))
    if digest.audience == MANAGER:
        return f"Escalation: {len(digest.items)} overdue deal items in {_one_line(digest.sheet)}"
    return f"Pipeline reminders for {digest.name}: {counts} ({_one_line(digest.sheet)})"


def _intro(digest: Digest) -> str:
    day = digest.today.isoformat()
    if digest.audience == MANAGER:
        return (f"These items in {_one_line(digest.sheet)} are overdue by more than the "
                f"escalation limit, as of {day}.")
    return f"Here is what needs doing in {_one_line(digest.sheet)}, as of {day}."


def _outro(digest: Digest) -> list[str]:
    lines = []
    if digest.earlier:
        lines.append(f"{digest.earlier} more open item{'' if digest.earlier == 1 else 's'} "
                     "reminded earlier {} still open.".format("is" if digest.earlier == 1
                                                             else "are"))
    lines.append('Update the sheet when a step is done (fill its date), or set "Snooze until", '
                 "and the reminder stops.")
    return lines


def render_text(digest: Digest) -> str:
    """The digest as plain text: one line per item under a heading per kind."""
    lines = [f"Hello {digest.name},", "", _intro(digest)]
    for kind in KINDS:
        items = [i for i in digest.items if i.kind == kind]
        if not items:
            continue
        lines += ["", f"{HEADINGS[kind].upper()} ({len(items)})"]
        for item in items:
            c = _cells(item, digest)
            who = f"[{c['owner']}] " if digest.audience == MANAGER else ""
            lines.append(f"- {who}{c['deal']}, {c['company']}: {c['action']}, {c['when']}, "
                         f"{c['row']} ({c['cell']}, {c['code']})")
    lines += ["", *_outro(digest), "", "-- ", "sheetsales"]
    return "\n".join(lines) + "\n"


def render_html(digest: Digest) -> str:
    """The digest as a small HTML page; every value from the sheet is escaped."""
    e = html.escape
    columns = (["Owner"] if digest.audience == MANAGER else []) + \
        ["Deal", "Company", "Action", "When", "Row"]
    parts = ["<!DOCTYPE html>", '<html><body style="font-family: sans-serif">',
             f"<p>Hello {e(digest.name)},</p>", f"<p>{e(_intro(digest))}</p>"]
    for kind in KINDS:
        items = [i for i in digest.items if i.kind == kind]
        if not items:
            continue
        parts.append(f"<h3>{HEADINGS[kind]} ({len(items)})</h3>")
        parts.append('<table cellpadding="4" style="border-collapse: collapse">')
        parts.append("<tr>" + "".join(f'<th align="left">{c}</th>' for c in columns) + "</tr>")
        for item in items:
            c = _cells(item, digest)
            values = ([c["owner"]] if digest.audience == MANAGER else []) + \
                [c["deal"], c["company"], c["action"], c["when"],
                 f"{c['row']} ({c['cell']}, {c['code']})"]
            parts.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in values) + "</tr>")
        parts.append("</table>")
    parts += [f"<p>{e(line)}</p>" for line in _outro(digest)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_email(digest: Digest, sender: str, recipient: str,
             now: dt.datetime | None = None) -> EmailMessage:
    """The digest as a multipart/alternative e-mail (text and HTML)."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    name, address = parseaddr(recipient)
    message["To"] = Address(display_name=_one_line(name or digest.name), addr_spec=address)
    message["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = make_msgid("sheetsales", domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(render_text(digest))
    message.add_alternative(render_html(digest), subtype="html")
    # Bodies are encoded by now; headers fold when sent, and with the default 78 columns
    # Python folds a 70-77 character Subject right after "Subject:", which mail clients show
    # as a leading space. 998 is the RFC 5322 limit and our headers stay well below it.
    message.policy = message.policy.clone(max_line_length=998)
    return message


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


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
