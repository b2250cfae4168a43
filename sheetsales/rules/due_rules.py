"""Rules about what is due: deliveries, follow-ups, planned next steps, idle deals.
A deal snoozed until today or later gets none of these."""

from ..core.dates import plural
from ..core.model import INFO, WARNING
from ..core.stages import DELIVERED, ON_HOLD, OPEN, WON, phase_of
from .context import IDLE, NONE, OVERDUE, SOON, rule

SNOOZE_HINT = 'or set "Snooze until" to a later date'
ACTIVE = (OPEN, WON, DELIVERED)


def _awake(deal, ctx, phases):
    return deal.stage and phase_of(deal.stage, deal.outcome) in phases and not ctx.snoozed(deal)


def _late(ctx, days):
    return f"{ctx.calendar.plural(days)} overdue"


def _soon(ctx, days):
    return "today" if days == 0 else f"in {ctx.calendar.plural(days)}"


def _delivery(deal, ctx):
    """(due, column to point at, days until due) of an undelivered Won deal, else None."""
    if not _awake(deal, ctx, (WON,)) or deal.get("delivered_on"):
        return None
    due, key = ctx.delivery_due(deal)
    if not due:
        return None
    if key == "lead_time":
        key = "delivery_due" if ctx.has("delivery_due") else "confirmed_on"
    return due, key, ctx.days_until(due)


def _follow_up(deal, ctx):
    """(due, column, days until due, basis) of a Delivered deal not followed up, else None."""
    if not _awake(deal, ctx, (DELIVERED,)) or deal.get("followed_up_on"):
        return None
    due, source = ctx.follow_up_due(deal)
    if not due:
        return None
    key = "follow_up_due" if ctx.has("follow_up_due") else "delivered_on"
    basis = "" if source == "follow_up_due" else \
        f", {ctx.calendar.plural(ctx.rules.follow_up_days)} after delivery"
    return due, key, ctx.days_until(due), basis


@rule("DUE001", WARNING, phases=(WON,), due=OVERDUE)
def delivery_overdue(deal, ctx):
    """Delivery overdue: Won, Delivery due before today, not delivered."""
    found = _delivery(deal, ctx)
    if not found or found[2] >= 0:
        return NONE
    due, key, days = found
    return [ctx.finding(delivery_overdue, deal, key,
                        f"delivery {_late(ctx, -days)} (due {due.isoformat()})",
                        'Deliver, then fill "Delivered on" and set Stage to Delivered; '
                        f"{SNOOZE_HINT}.", value=due, due=due)]


@rule("DUE002", INFO, phases=(WON,), due=SOON)
def delivery_due_soon(deal, ctx):
    """Delivery due today or within due_soon_days."""
    found = _delivery(deal, ctx)
    if not found or not 0 <= found[2] <= ctx.rules.due_soon_days:
        return NONE
    due, key, days = found
    return [ctx.finding(delivery_due_soon, deal, key,
                        f"delivery due {_soon(ctx, days)} ({due.isoformat()})",
                        'Plan the delivery; fill "Delivered on" when done.', value=due, due=due)]


@rule("DUE003", WARNING, phases=(DELIVERED,), due=OVERDUE)
def follow_up_overdue(deal, ctx):
    """Follow-up overdue: delivered, Follow-up due passed, not followed up.

    Follow-up due defaults to Delivered on + follow_up_days."""
    found = _follow_up(deal, ctx)
    if not found or found[2] >= 0:
        return NONE
    due, key, days, basis = found
    return [ctx.finding(follow_up_overdue, deal, key,
                        f"follow-up {_late(ctx, -days)} (due {due.isoformat()}{basis})",
                        'Call the customer, then fill "Followed up on" and set Stage to '
                        f"Followed up; {SNOOZE_HINT}.", value=due, due=due)]


@rule("DUE004", INFO, phases=(DELIVERED,), due=SOON)
def follow_up_due_soon(deal, ctx):
    """Follow-up due today or soon."""
    found = _follow_up(deal, ctx)
    if not found or not 0 <= found[2] <= ctx.rules.due_soon_days:
        return NONE
    due, key, days, _ = found
    return [ctx.finding(follow_up_due_soon, deal, key,
                        f"follow-up due {_soon(ctx, days)} ({due.isoformat()})",
                        'Plan the call; fill "Followed up on" when done.', value=due, due=due)]


@rule("DUE005", WARNING, phases=ACTIVE, due=OVERDUE)
def next_step_overdue(deal, ctx):
    """Planned next step (Next step due) passed on an open deal."""
    due = deal.get("next_step_due")
    if not due or due >= ctx.today or not _awake(deal, ctx, ACTIVE):
        return NONE
    step = deal.get("next_step")
    what = f"next step {step!r}" if step else "next step"
    return [ctx.finding(next_step_overdue, deal, "next_step_due",
                        f"{what} {_late(ctx, -ctx.days_until(due))} (due {due.isoformat()})",
                        f'Do it and plan the next one in "Next step due"; {SNOOZE_HINT}.',
                        due=due)]


@rule("DUE006", INFO, phases=(OPEN,))
def no_next_step(deal, ctx):
    """Open deal before Won with no next step planned."""
    if deal.filled("next_step_due") or deal.filled("next_step") or \
            not (ctx.has("next_step") or ctx.has("next_step_due")) or \
            not _awake(deal, ctx, (OPEN,)):
        return NONE
    key = "next_step_due" if ctx.has("next_step_due") else "next_step"
    return [ctx.finding(no_next_step, deal, key, f"no next step planned at {deal.stage.label}",
                        f'Write the next step and its date ("{deal.stage.next_action}" is '
                        "usual here).")]


@rule("IDL001", WARNING, phases=ACTIVE, due=IDLE)
def idle(deal, ctx):
    """Idle ("rotting"): days in the current stage exceed that stage's limit.

    The clock starts at the latest of the stage's own date, Stage since (Stage Change Date
    and the like) and Last contact; with none of them on the deal, at the first run that saw
    it in this stage (the run history), else at Last modified (a weaker clock: any edit
    moves it). A deal whose outcome is on hold is not idle."""
    if not deal.stage or not deal.stage.idle_days or deal.outcome == ON_HOLD or \
            not _awake(deal, ctx, ACTIVE):
        return NONE
    since, key = idle_clock(deal, ctx)
    if since is None:
        return NONE
    days = ctx.calendar.days_between(since, ctx.today)
    if days <= deal.stage.idle_days:
        return NONE
    return [ctx.finding(
        idle, deal, key,
        f"idle for {ctx.calendar.plural(days)} at {deal.stage.label} (limit "
        f"{ctx.calendar.plural(deal.stage.idle_days)}, since {since.isoformat()})",
        f'Contact them and update "Last contact", move the deal on, or mark it Lost; '
        f"{SNOOZE_HINT}.", value=since)]


def idle_clock(deal, ctx):
    """(the day the idle clock starts, the column to point at) for a deal, or (None, None).
    The run history's first day in this stage counts beside the sheet's Stage since (the
    latest wins: a Stage since the user forgot to move is older than the change the history
    saw), but not over the step's own date, which says exactly when the stage began."""
    values = deal.values
    step = deal.stage.date_field
    clocks = [(values.get("last_contact"), "last_contact"),  # first: it wins a tie
              (values.get("stage_since"), "stage_since"), (values.get(step), step)]
    if not values.get(step) and ctx.stage_since and deal.deal_id in ctx.stage_since:
        stage_key, seen = ctx.stage_since[deal.deal_id]
        if stage_key == deal.stage.key:
            clocks.append((seen, step if ctx.has(step) else "stage"))
    clocks = [c for c in clocks if c[0]]
    if not clocks:
        weak = values.get("last_modified")
        return (weak, "last_modified") if weak else (None, None)
    since, key = max(clocks, key=lambda c: c[0])
    return since, key if ctx.has(key) else "stage"


@rule("DUE007", WARNING, phases=(OPEN,))
def stale_forecast(deal, ctx):
    """Stale forecast: an open deal's Expected close is past (more than forecast_grace_days).

    Not an overdue item: the date is the owner's own estimate, not a promise to a customer,
    so it shows in the report, the status (Check) and the Flags, and the nightly mail lists
    it in a group of its own (nightly.digests), never among the overdue items."""
    close = deal.get("expected_close")
    if not close or not _awake(deal, ctx, (OPEN,)):
        return NONE
    days = (ctx.today - close).days
    if days <= ctx.rules.forecast_grace_days:
        return NONE
    return [ctx.finding(
        stale_forecast, deal, "expected_close",
        f"expected to close {close.isoformat()}, {plural(days)} ago",
        f'Close it (set Stage to Won or Lost), or move "{ctx.header("expected_close")}" to '
        f"the date you now expect; {SNOOZE_HINT}.", value=close, due=close)]
