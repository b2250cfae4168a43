"""Each deal's Status, Flags, Next action and Next action due (SPEC §4); pure."""

import datetime as dt
from typing import NamedTuple

from ..core.cells import fit_text
from ..core.model import ERROR, WARNING, Deal, Finding
from ..core.stages import CLOSED as CLOSED_PHASE, DELIVERED, WON, phase_of
from . import IDLE_CODES, OVERDUE_CODES, SOON_CODES
from .context import Context

CLOSED, INVALID, SNOOZED, OVERDUE = "Closed", "Invalid", "Snoozed", "Overdue"
DUE_TODAY, DUE_SOON, IDLE, CHECK, OK = "Due today", "Due soon", "Idle", "Check", "OK"
# SPEC section 4's order, first applying wins; the Reminders sheet and the colours read it
STATUS_ORDER = (CLOSED, INVALID, SNOOZED, OVERDUE, DUE_TODAY, DUE_SOON, IDLE, CHECK, OK)


class DealStatus(NamedTuple):  # one per deal: immutable and quick to make
    status: str
    flags: str
    next_action: str
    next_action_due: dt.date | None

    def cells(self) -> dict:
        """What its four owned cells hold, by status key (core.owned.STATUS_KEYS); empty
        Flags is an empty cell."""
        return {"status": self.status, "flags": self.flags or None,
                "next_action": self.next_action, "next_action_due": self.next_action_due}


def deal_status(deal: Deal, findings: list[Finding], ctx: Context) -> DealStatus:
    """The status columns of one deal from its findings: the first status that applies of
    Closed, Invalid, Snoozed, Overdue, Due today, Due soon, Idle, Check (any warning), OK."""
    codes = {f.code for f in findings}
    errors = any(f.severity == ERROR for f in findings)
    if phase_of(deal.stage, deal.outcome) == CLOSED_PHASE and not errors:
        status = CLOSED
    elif errors:
        status = INVALID
    elif ctx.snoozed(deal):
        status = f"{SNOOZED} until {deal.get('snooze_until').isoformat()}"
    elif codes & OVERDUE_CODES:
        status = OVERDUE
    elif any(f.code in SOON_CODES and f.due == ctx.today for f in findings):
        status = DUE_TODAY
    elif codes & SOON_CODES:
        status = DUE_SOON
    elif codes & IDLE_CODES:
        status = IDLE
    elif any(f.severity == WARNING for f in findings):
        status = CHECK
    else:
        status = OK
    action, due = next_action(deal, ctx)
    # messages quote cells, which may be as long as a cell can be: ours is cut, visibly
    flags = fit_text("; ".join(f"{f.code} {f.message}" for f in findings))
    return DealStatus(status, flags, fit_text(action), due)


def next_action(deal: Deal, ctx: Context) -> tuple[str, dt.date | None]:
    """What to do next at the deal's stage, and by when."""
    stage = deal.stage
    if stage is None:
        return "Fix the stage", None
    if phase_of(stage, deal.outcome) == CLOSED_PHASE:
        if not stage.is_closed:  # closed by its outcome
            return f"None (closed: {deal.get('outcome')})", None
        return stage.next_action, None
    if stage.phase == WON:
        due = ctx.delivery_due(deal)[0]
        return f"{stage.next_action} (due {due.isoformat()})" if due else stage.next_action, due
    if stage.phase == DELIVERED:
        due = ctx.follow_up_due(deal)[0]
        return f"{stage.next_action} (due {due.isoformat()})" if due else stage.next_action, due
    return stage.next_action, deal.get("next_step_due")
