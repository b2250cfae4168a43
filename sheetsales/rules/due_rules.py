"""Rules about what is due: deliveries, follow-ups, planned next steps, idle deals.
A deal snoozed until today or later gets none of these."""

from ..model import INFO, WARNING
from ..stages import DELIVERED, OPEN, WON
from .context import rule

SNOOZE_HINT = 'or set "Snooze until" to a later date'


def _awake(deal, ctx, *phases):
    return deal.stage and deal.stage.phase in phases and not ctx.snoozed(deal)


def _late(ctx, days):
    return f"{ctx.calendar.plural(days)} overdue"


def _soon(ctx, days):
    return "today" if days == 0 else f"in {ctx.calendar.plural(days)}"


def _delivery(deal, ctx):
    due, key = ctx.delivery_due(deal)
    if key == "lead_time":
        key = "delivery_due" if ctx.has("delivery_due") else "confirmed_on"
    return due, key


@rule("DUE001", WARNING)
def delivery_overdue(deal, ctx):
    """Delivery overdue: Won, Delivery due before today, not delivered."""
    due, key = _delivery(deal, ctx)
    if _awake(deal, ctx, WON) and due and not deal.get("delivered_on"):
        days = ctx.days_until(due)
        if days < 0:
            yield ctx.finding(delivery_overdue, deal, key,
                              f"delivery {_late(ctx, -days)} (due {due.isoformat()})",
                              f'Deliver, then fill "Delivered on" and set Stage to Delivered; '
                              f"{SNOOZE_HINT}.", value=due, due=due)


@rule("DUE002", INFO)
def delivery_due_soon(deal, ctx):
    """Delivery due today or within due_soon_days."""
    due, key = _delivery(deal, ctx)
    if _awake(deal, ctx, WON) and due and not deal.get("delivered_on"):
        days = ctx.days_until(due)
        if 0 <= days <= ctx.rules.due_soon_days:
            yield ctx.finding(delivery_due_soon, deal, key,
                              f"delivery due {_soon(ctx, days)} ({due.isoformat()})",
                              'Plan the delivery; fill "Delivered on" when done.',
                              value=due, due=due)


def _follow_up(deal, ctx):
    due, source = ctx.follow_up_due(deal)
    key = "follow_up_due" if ctx.has("follow_up_due") else "delivered_on"
    return due, key, source


@rule("DUE003", WARNING)
def follow_up_overdue(deal, ctx):
    """Follow-up overdue: delivered, Follow-up due (or Delivered on + follow_up_days) passed,
    not followed up."""
    due, key, source = _follow_up(deal, ctx)
    if _awake(deal, ctx, DELIVERED) and due and not deal.get("followed_up_on"):
        days = ctx.days_until(due)
        if days < 0:
            basis = "" if source == "follow_up_due" else \
                f", {ctx.calendar.plural(ctx.rules.follow_up_days)} after delivery"
            yield ctx.finding(follow_up_overdue, deal, key,
                              f"follow-up {_late(ctx, -days)} (due {due.isoformat()}{basis})",
                              'Call the customer, then fill "Followed up on" and set Stage to '
                              f'Followed up; {SNOOZE_HINT}.', value=due, due=due)


@rule("DUE004", INFO)
def follow_up_due_soon(deal, ctx):
    """Follow-up due today or soon."""
    due, key, _ = _follow_up(deal, ctx)
    if _awake(deal, ctx, DELIVERED) and due and not deal.get("followed_up_on"):
        days = ctx.days_until(due)
        if 0 <= days <= ctx.rules.due_soon_days:
            yield ctx.finding(follow_up_due_soon, deal, key,
                              f"follow-up due {_soon(ctx, days)} ({due.isoformat()})",
                              'Plan the call; fill "Followed up on" when done.', value=due, due=due)


@rule("DUE005", WARNING)
def next_step_overdue(deal, ctx):
    """Planned next step (Next step due) passed on an open deal."""
    due = deal.get("next_step_due")
    if _awake(deal, ctx, OPEN, WON, DELIVERED) and due:
        days = ctx.days_until(due)
        if days < 0:
            step = deal.get("next_step")
            what = f"next step {step!r}" if step else "next step"
            yield ctx.finding(next_step_overdue, deal, "next_step_due",
                              f"{what} {_late(ctx, -days)} (due {due.isoformat()})",
                              'Do it and plan the next one in "Next step due"; '
                              f"{SNOOZE_HINT}.", due=due)


@rule("DUE006", INFO)
def no_next_step(deal, ctx):
    """Open deal before Won with no next step planned."""
    if not (ctx.has("next_step") or ctx.has("next_step_due")):
        return
    if _awake(deal, ctx, OPEN) and not deal.get("next_step_due") and not deal.get("next_step"):
        key = "next_step_due" if ctx.has("next_step_due") else "next_step"
        yield ctx.finding(no_next_step, deal, key,
                          f"no next step planned at {deal.stage.label}",
                          f'Write the next step and its date ("{deal.stage.next_action}" is '
                          "usual here).")


@rule("IDL001", WARNING)
def idle(deal, ctx):
    """Idle ("rotting"): days in the current stage exceed that stage's limit."""
    if not _awake(deal, ctx, OPEN, WON, DELIVERED) or not deal.stage.idle_days:
        return
    stage_date = deal.get(deal.stage.date_field) if deal.stage.date_field else None
    starts = [d for d in (stage_date, deal.get("last_contact")) if d]
    if not starts:
        return
    since = max(starts)
    days = ctx.calendar.days_between(since, ctx.today)
    if days > deal.stage.idle_days:
        key = "last_contact" if since == deal.get("last_contact") and ctx.has("last_contact") \
            else deal.stage.date_field
        yield ctx.finding(
            idle, deal, key,
            f"idle for {ctx.calendar.plural(days)} at {deal.stage.label} (limit "
            f"{ctx.calendar.plural(deal.stage.idle_days)}, since {since.isoformat()})",
            f'Contact them and update "Last contact", move the deal on, or mark it Lost; '
            f"{SNOOZE_HINT}.", value=since)
