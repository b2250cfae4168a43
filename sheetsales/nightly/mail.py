"""A digest as a message: plain text, HTML, and the multipart e-mail that carries both.

The frame of each part (greeting, the sections, the closing lines) comes from a template,
templates/digest.txt and digest.html, which a user may replace with their own ([reminders]
templates = "folder"); the sections themselves are built here, every sheet value escaped."""

import datetime as dt
import functools
import hashlib
import html
from importlib.resources import files
from pathlib import Path
from string import Template
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from ..core.dates import plural
from ..core.errors import ConfigError
from ..rules.currency import amounts_text
from .digests import (FIX, HEADINGS, KINDS, MANAGER, OVERDUE, SOON, STALE, TODAY, Digest,
                      Item, one_line, owner_key)


def _when(item: Item, unit: str) -> str:
    due = item.due.isoformat() if item.due else "no date"
    if item.kind == OVERDUE:
        return f"due {due} ({plural(item.days, unit)} overdue)"
    if item.kind == TODAY:
        return f"due today ({due})"
    if item.kind == SOON:
        return f"due {due} (in {plural(item.days, unit)})"
    if item.kind == FIX:
        return "as soon as you can"
    if item.kind == STALE:
        return f"expected to close {due}, {plural(item.days, unit)} ago"
    return f"idle since {due} ({plural(item.days, unit)})"


def _cells(item: Item, digest: Digest) -> dict[str, str]:
    """The values shown for an item, each one line; escaping is up to the renderer."""
    return {"owner": one_line(item.owner) or "(no owner)",
            "deal": one_line(item.deal_id) or "(no ID)",
            "company": one_line(item.company) or "(no company)",
            "action": one_line(item.action), "when": _when(item, digest.unit),
            "row": f"row {item.row}", "cell": one_line(item.cell), "code": item.code}


def subject(digest: Digest) -> str:
    counts = ", ".join(f"{digest.count(k)} {HEADINGS[k].lower()}" for k in KINDS
                       if digest.count(k))
    if digest.audience == MANAGER:
        return f"Escalation: {len(digest.items)} overdue deal items in {one_line(digest.sheet)}"
    return f"Pipeline reminders for {digest.name}: {counts} ({one_line(digest.sheet)})"


def _intro(digest: Digest) -> str:
    day = digest.today.isoformat()
    if digest.audience == MANAGER:
        return (f"These items in {one_line(digest.sheet)} are overdue by more than the "
                f"escalation limit, as of {day}.")
    return f"Here is what needs doing in {one_line(digest.sheet)}, as of {day}."


def _outro(digest: Digest) -> list[str]:
    lines = []
    if digest.earlier:
        lines.append(f"{plural(digest.earlier, 'more open item')} "
                     "reminded earlier {} still open.".format("is" if digest.earlier == 1
                                                             else "are"))
    lines.append('Update the sheet when a step is done (fill its date), or set "Snooze until", '
                 "and the reminder stops.")
    return lines


COLOURS = {OVERDUE: "#9C0006", TODAY: "#9C5700", FIX: "#9C0006"}  # the sheet's red and amber


def _value(item: Item) -> str:
    """The deal's value with its currency ("2,000 EUR", "1,000 $"), as totals show them."""
    if item.amount is None:
        return ""
    number = f"{item.amount:,.0f}"
    return f"{number} {one_line(item.currency, 12)}" if item.currency else number


def by_deal(digest: Digest) -> list[tuple[str, list[Item]]]:
    """The items grouped by deal, each group under its most urgent kind, in digest order
    (kind, then the biggest deal first). A stale forecast stays in a group of its own: it is
    the owner's estimate gone by, not something overdue for a customer."""
    groups: dict[tuple, list[Item]] = {}
    for item in digest.items:
        groups.setdefault((owner_key(item.owner), item.row, item.kind == STALE),
                          []).append(item)
    return [(items[0].kind, items) for items in groups.values()]


def _pipeline(digest: Digest) -> str | None:
    if digest.audience == MANAGER or not digest.open_deals:
        return None
    amount = "" if digest.open_amount is None else f", {digest.open_amount:,.0f} in all"
    if digest.open_amounts:  # several currencies: side by side, never summed
        amount = f", {amounts_text(dict(digest.open_amounts), '{:,.0f}'.format)} in all"
    return f"Your pipeline: {plural(digest.open_deals, 'open deal')}{amount}."


def _deal_line(item: Item, digest: Digest) -> str:
    c = _cells(item, digest)
    who = f"[{c['owner']}] " if digest.audience == MANAGER else ""
    value = f", {_value(item)}" if item.amount is not None else ""
    return f"- {who}{c['deal']}, {c['company']}{value}"


TEMPLATE_NAMES = {"text": "digest.txt", "html": "digest.html"}
PLACEHOLDERS = ("name", "intro", "sections", "outro")


@functools.lru_cache(maxsize=8)
def template(kind: str, folder: str | None = None) -> Template:
    """The text or HTML frame of a digest: the user's from `folder` when it holds one, else
    the one shipped in templates/. A template naming other placeholders than $name, $intro,
    $sections and $outro is a ConfigError."""
    name = TEMPLATE_NAMES[kind]
    path = Path(folder) / name if folder else None
    try:
        text = path.read_text(encoding="utf-8") if path and path.exists() else \
            files("sheetsales.templates").joinpath(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the digest template {path} ({exc}); fix it or remove "
                          "[reminders] templates") from None
    found = Template(text)
    unknown = {m["named"] or m["braced"] for m in found.pattern.finditer(text)
               if (m["named"] or m["braced"]) and (m["named"] or m["braced"]) not in PLACEHOLDERS}
    if unknown or not found.is_valid():
        where = path if path and path.exists() else name
        raise ConfigError(f"the digest template {where} uses "
                          f"{', '.join('$' + u for u in sorted(unknown)) or 'a lone $'}; "
                          f"it may use only {', '.join('$' + p for p in PLACEHOLDERS)} "
                          "(write $$ for a dollar sign)")
    return found


def render_text(digest: Digest, folder: str | None = None) -> str:
    """The digest as plain text: each deal under the heading of its most urgent kind, the
    biggest first, with what to do, by when, and where in the sheet; in the text template's
    frame."""
    lines = []
    intro = _intro(digest)
    pipeline = _pipeline(digest)
    if pipeline:
        intro += "\n" + pipeline
    groups = by_deal(digest)
    for kind in KINDS:
        deals = [items for k, items in groups if k == kind]
        if not deals:
            continue
        lines += ["", f"{HEADINGS[kind].upper()} ({len(deals)})"]
        for items in deals:
            head = _deal_line(items[0], digest)
            todo = [f"{one_line(i.action)}, {_when(i, digest.unit)}" for i in items]
            if len(todo) == 1:
                lines.append(f"{head}: {todo[0]}")
            else:
                lines += [f"{head}:", *[f"  {t}" for t in todo]]
            lines.append(f"  ({one_line(items[0].where, 200)})")
    return template("text", folder).substitute(
        name=digest.name, intro=intro, sections="\n".join(lines),
        outro="\n".join(_outro(digest)))


def _where_html(item: Item) -> str:
    where = html.escape(one_line(item.where, 200))
    link = item.where.split(",", 1)[0]
    if link.startswith(("https://", "http://")):
        return f'<a href="{html.escape(link, quote=True)}">{where}</a>'
    return where


def render_html(digest: Digest, folder: str | None = None) -> str:
    """The digest as a small HTML page, the same as the text, in the HTML template's frame;
    every value from the sheet is escaped."""
    e = html.escape
    columns = (["Owner"] if digest.audience == MANAGER else []) + \
        ["Deal", "Company", "Value", "What to do", "When", "Where"]
    parts = []
    pipeline = _pipeline(digest)
    if pipeline:
        parts.append(f"<p><b>{e(pipeline)}</b></p>")
    groups = by_deal(digest)
    for kind in KINDS:
        deals = [items for k, items in groups if k == kind]
        if not deals:
            continue
        colour = COLOURS.get(kind)
        style = f' style="color: {colour}"' if colour else ""
        parts.append(f"<h3{style}>{HEADINGS[kind]} ({len(deals)})</h3>")
        parts.append('<table cellpadding="4" style="border-collapse: collapse">')
        parts.append("<tr>" + "".join(f'<th align="left">{c}</th>' for c in columns) + "</tr>")
        for items in deals:
            c = _cells(items[0], digest)
            keep = ' style="white-space: nowrap"'  # an ID or a value is never split
            cells = ([("", e(c["owner"]))] if digest.audience == MANAGER else []) + [
                (keep, e(c["deal"])), ("", e(c["company"])),
                (keep + ' align="right"', e(_value(items[0]))),
                ("", "<br>".join(e(one_line(i.action)) for i in items)),
                ("", "<br>".join(f'<span style="color: {COLOURS[i.kind]}">'
                                 f"{e(_when(i, digest.unit))}</span>" if i.kind in COLOURS
                                 else e(_when(i, digest.unit)) for i in items)),
                ("", _where_html(items[0]))]
            parts.append("<tr>" + "".join(f"<td{a}>{v}</td>" for a, v in cells) + "</tr>")
        parts.append("</table>")
    return template("html", folder).substitute(
        name=e(digest.name), intro=e(_intro(digest)), sections="\n".join(parts),
        outro="\n".join(f"<p>{e(line)}</p>" for line in _outro(digest)))


def message_id(digest: Digest, sender: str, source: str = "") -> str:
    """A Message-ID derived from the source, audience, owner, items and day, so a digest
    sent again (after a crash between the server's acceptance and its record) carries the
    same one and mail clients and people can tell it is the same message."""
    parts = [source, digest.audience, owner_key(digest.owner), digest.today.isoformat(),
             *sorted(item.key for item in digest.items)]
    token = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"<{digest.today:%Y%m%d}.{token}.sheetsales@{_domain(sender)}>"


def to_email(digest: Digest, sender: str, recipient: str,
             now: dt.datetime | None = None, message_id_: str | None = None,
             templates: str | None = None) -> EmailMessage:
    """The digest as a multipart/alternative e-mail (text and HTML, in the templates of the
    folder `templates` or the shipped ones), with `message_id_` (default: the stable
    `message_id` of the digest)."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    name, address = parseaddr(recipient)
    message["To"] = Address(display_name=one_line(name or digest.name), addr_spec=address)
    message["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = message_id_ or message_id(digest, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(render_text(digest, templates))
    message.add_alternative(render_html(digest, templates), subtype="html")
    # Bodies are encoded by now; headers fold when sent, and with the default 78 columns
    # Python folds a 70-77 character Subject right after "Subject:", which mail clients show
    # as a leading space. 998 is the RFC 5322 limit and our headers stay well below it.
    message.policy = message.policy.clone(max_line_length=998)
    return message


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"
