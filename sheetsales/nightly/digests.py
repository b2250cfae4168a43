"""Reminder digests: for each owner, what is overdue, due today, due soon and idle, held back
when already sent (the run history). Rendered by digest_mail, delivered by reminders.

What goes in a digest (ACTIONABLE): what the rule catalogue marks as due (rules.DUE_KINDS:
overdue, due today or soon, idle), and stale forecasts (DUE007: expected close passed) in a
group of their own, apart from overdue items: the date is the owner's own estimate, not a
promise to a customer; each is sent once per close date (moving the date makes it new), not
re-sent on the cadence, so a sheet whose forecasts all lie behind it is not mailed every
night. DUE006 (no next step planned) is a planning prompt with no date: it
stays in the report and the Flags column instead of being mailed every night.

Once only: an item's key is deal, code, due date (for idle items, the date the idle clock
started) and kind, so a delivery due soon is sent once while soon, once more on the day it is
due, and again when overdue; changing the due date makes it a new item. Overdue and idle items
are re-sent every `resend_every_days` (default 3; 0 never), and overdue items late by
`escalate_after_days` (default 7) or more also go to the `manager` address, on the same
cadence."""

import datetime as dt
import re
from dataclasses import dataclass, replace

from ..core.stages import OPEN as OPEN_PHASE, phase_of
from ..rules.currency import NO_CURRENCY, deal_currency, split_by_currency
from ..rules import DUE_KINDS
from .history import resend_due

OVERDUE, TODAY, SOON, IDLE, STALE, FIX = "overdue", "today", "soon", "idle", "stale", "fix"
KINDS = (OVERDUE, TODAY, SOON, IDLE, STALE, FIX)
HEADINGS = {OVERDUE: "Overdue", TODAY: "Due today", SOON: "Due soon", IDLE: "Idle",
            STALE: "Past their expected close", FIX: "To fix in the sheet"}
STALE_CODE = "DUE007"
# code -> OVERDUE, SOON, IDLE or STALE (the same words as KINDS)
ACTIONABLE = {**DUE_KINDS, STALE_CODE: STALE}
RESENT_KINDS = (OVERDUE, IDLE, FIX)
STALE_ACTION = "Close it (Won or Lost) or set a new close date"
FIX_CODE = "FIX"  # an invalid deal's errors, as one item for its owner
OWNER, MANAGER = "owner", "manager"


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
    amount: float | None = None  # the deal's value: the biggest deal comes first in a kind
    where: str = ""  # the workbook (or sheet URL), sheet and row, in words
    currency: str | None = None  # the amount's currency, shown beside it
    # amounts are compared within one currency only: in a kind, the pipeline's most used
    # currency's deals come first (the biggest first), then the next currency's (pot_rank)
    pot: int = 0

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
    open_deals: int = 0  # the owner's own pipeline: open deals and their amount
    open_amount: float | None = None
    open_amounts: tuple[tuple[str, float], ...] = ()  # per currency, when several

    @property
    def name(self) -> str:
        if self.audience == MANAGER:
            return "Manager"
        return one_line(self.owner) or "(no owner)"

    def count(self, kind: str) -> int:
        return sum(item.kind == kind for item in self.items)




def reminder_items(report, today: dt.date | None = None) -> list[Item]:
    """The actionable items of a checked report, in digest order per kind."""
    today = today or report.today
    calendar = report.context.calendar
    deals = {(deal.sheet, deal.row): deal for deal in report.deals}  # rows repeat across tabs
    source = report.sheet.source
    place = source if "://" in source or source.startswith("gsheet:") else \
        source.replace("\\", "/").rsplit("/", 1)[-1]
    items, errors = [], {}
    pots = pot_ranks(report.deals)
    for finding in report.findings:
        kind = ACTIONABLE.get(finding.code)
        deal = deals.get((finding.sheet, finding.row))
        if finding.severity == "error" and deal is not None:
            errors.setdefault((finding.sheet, finding.row), []).append(finding)
        if kind is None or deal is None:
            continue
        due = finding.due
        if kind == IDLE:
            due = _as_date(finding.value)
            days = calendar.days_between(due, today) if due else 0
        elif kind in (OVERDUE, STALE):
            days = calendar.days_between(due, today) if due else 0
        else:
            days = calendar.days_between(today, due) if due else 0
            kind = TODAY if days <= 0 else SOON
        items.append(Item(kind, finding.code, _text(deal.get("owner")), deal.deal_id,
                          _text(deal.get("company")) or None, _action(deal, finding.code),
                          due, days, finding.row, finding.cell, finding.message,
                          deal.get("amount"), f"{place}, sheet {finding.sheet}, row {finding.row}",
                          *pots.get(id(deal), (None, 0))))
    for (title, row), found in errors.items():  # an invalid deal: its owner fixes the data
        deal = deals[title, row]
        messages = "; ".join(dict.fromkeys(f.message for f in found))
        items.append(Item(FIX, FIX_CODE, _text(deal.get("owner")), deal.deal_id,
                          _text(deal.get("company")) or None, f"Fix: {messages}", None, 0, row,
                          found[0].cell, messages, deal.get("amount"),
                          f"{place}, sheet {title}, row {row}", *pots.get(id(deal), (None, 0))))
    return sorted(items, key=_order)


def _order(item: Item):
    urgency = -item.days if item.kind in (OVERDUE, IDLE, STALE) else item.days
    return KINDS.index(item.kind), item.pot, -(item.amount or 0), urgency, item.row, item.code


def pot_ranks(deals) -> dict[int, tuple[str | None, int]]:
    """id(deal) -> (its amount's currency, the rank of the pot it is compared in) for the deals
    with an amount. One pot unless the amounts name two currencies or more
    (rules.currency.split_by_currency); then the pot of most deals ranks first, ties by name,
    bare amounts last."""
    split = split_by_currency(deals)
    if not split:
        return {id(d): (deal_currency(d), 0) for d in deals if d.get("amount") is not None}
    ranked = sorted(split, key=lambda c: (c == NO_CURRENCY, -len(split[c]), c))
    return {id(d): (None if code == NO_CURRENCY else code, ranked.index(code))
            for code, group in split.items() for d in group}


def _action(deal, code: str) -> str:
    if code == STALE_CODE:
        return STALE_ACTION
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


def build_digests(report, config, today: dt.date | None = None,
                  done: frozenset = frozenset()) -> list[Digest]:
    """One digest per owner (sorted by owner), each with its items overdue first, then due
    today, due soon and idle, and the owner's address from [reminders.owners] (or None).
    `done` holds (deal row, "fix" or "due") ticked Done on the Reminders sheet: left out."""
    today = today or report.today
    unit = report.context.calendar.unit
    by_owner: dict[str, list[Item]] = {}  # "ana" and "Ana " are one owner
    for item in reminder_items(report, today):
        if done and (item.row, FIX if item.kind == FIX else "due") in done:
            continue
        by_owner.setdefault(owner_key(item.owner), []).append(item)
    pipelines = open_pipelines(report.deals)
    return [Digest(items[0].owner, tuple(items), today, ", ".join(report.titles()),
                   owner_address(config, items[0].owner), unit=unit,
                   open_deals=pipelines.get(key, (0, None, ()))[0],
                   open_amount=pipelines.get(key, (0, None, ()))[1],
                   open_amounts=pipelines.get(key, (0, None, ()))[2])
            for key, items in sorted(by_owner.items())]


def open_pipelines(deals) -> dict[str, tuple[int, float | None, tuple]]:
    """Owner key -> (open deals, their amount (None when none has one), and when the
    pipeline's amounts are in several currencies ((currency, amount), ...) instead)."""
    split = split_by_currency(deals) or {}  # never one sum over several currencies
    currency = {id(d): code for code, group in split.items() for d in group}
    found: dict[str, list] = {}
    for deal in deals:
        if deal.stage is None or phase_of(deal.stage, deal.outcome) != OPEN_PHASE:
            continue
        entry = found.setdefault(owner_key(_text(deal.get("owner"))), [0, None, {}])
        entry[0] += 1
        amount = deal.get("amount")
        if amount is None:
            continue
        if split:
            code = currency[id(deal)]
            entry[2][code] = entry[2].get(code, 0.0) + amount
        else:
            entry[1] = (entry[1] or 0) + amount
    return {k: (n, amount, tuple(sorted(pots.items(), key=lambda p: (p[0] == NO_CURRENCY, p[0]))))
            for k, (n, amount, pots) in found.items()}  # bare amounts last, as in the summary


def owner_key(name: str) -> str:
    """An owner as the history records it: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def owner_address(config, owner: str) -> str | None:
    """The owner's address from [reminders.owners]; names match ignoring case and spacing."""
    owners = config.reminders.owners
    return {owner_key(name): address for name, address in owners.items()}.get(
        owner_key(owner)) if owner else None


def select_new(digests: list[Digest], history, today: dt.date, config,
               source: str) -> list[Digest]:
    """The digests cut down to items not yet sent (overdue and idle ones again after
    `resend_every_days`), plus a manager digest of items overdue `escalate_after_days` or
    more when [reminders] manager is set. `history` may be None (nothing sent yet)."""
    settings = config.reminders
    every = settings.resend_every_days
    sent = history.last_reminders(source, OWNER) if history else {}
    chosen = []
    for digest in digests:
        owner = owner_key(digest.owner)
        fresh = tuple(i for i in digest.items if _due(i, sent.get((owner, i.key)), today, every))
        if fresh:
            chosen.append(replace(digest, items=fresh, earlier=len(digest.items) - len(fresh)))
    manager = settings.manager
    if manager and digests:
        after = settings.escalate_after_days
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


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                        r"\u2066-\u2069\ufeff]+")


def one_line(value, limit: int = 120) -> str:
    """A cell value made safe for one line of a message: no line breaks, control or
    direction-changing characters, and not too long."""
    text = " ".join(_INVISIBLE.sub(" ", _text(value)).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def assume_sent(history, report, config, today: dt.date, source) -> int:
    """For a history started afresh after the old one disappeared: overdue and idle items
    older than the resend cadence were surely reminded already, so record them as sent today
    (they come back on the cadence) instead of mailing every open item at once."""
    every = config.reminders.resend_every_days
    old = [(OWNER, owner_key(item.owner), item.key, None)
           for item in reminder_items(report, today)
           if item.kind in RESENT_KINDS and item.days >= every]
    if old:
        history.record_reminders(source, old, today, "assumed")
    return len(old)
