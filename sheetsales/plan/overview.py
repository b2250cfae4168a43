"""How the pipeline stands, for the top of the report: open deals and their value by stage, how
many are stale, idle, overdue and due this week, in total and per owner. One computation; the
table report and JSON (`overview`) render it, and an owner's view can too."""

import datetime as dt
from dataclasses import asdict, dataclass, field

from ..core.stages import CLOSED, OPEN
from ..rules import IDLE_CODES, OVERDUE_CODES
from ..rules.check import Report
from ..rules.currency import split_by_currency

STALE_CODE = "DUE007"
WEEK = 7


@dataclass
class Tally:
    """Counts for one owner, or for everyone (`owner` None). `value` sums the Amount of the
    open deals that have one; when the amounts are in several currencies `value` stays 0 and
    `values` sums each currency apart (plan.currency)."""

    owner: str | None = None
    open: int = 0
    value: float = 0.0
    stale: int = 0
    idle: int = 0
    overdue: int = 0
    due_this_week: int = 0
    values: dict[str, float] = field(default_factory=dict)

    def add(self, amount: float, currency: str | None) -> None:
        if currency is None:
            self.value += amount
        else:
            self.values[currency] = self.values.get(currency, 0.0) + amount


@dataclass
class Overview:
    total: Tally
    by_stage: list[tuple[str, int, float]] = field(default_factory=list)  # label, deals, value
    owners: list[Tally] = field(default_factory=list)
    unknown_stage: int = 0

    def as_dict(self) -> dict:
        return {"total": _tally(self.total),
                "by_stage": [{"stage": s, "deals": n, "value": v} for s, n, v in self.by_stage],
                "owners": [_tally(t) for t in self.owners], "unknown_stage": self.unknown_stage}


def _tally(tally: Tally) -> dict:
    """A Tally as JSON: `values` (per currency) only when the amounts are in several."""
    data = asdict(tally)
    if not data["values"]:
        del data["values"]
    return data


def overview(report: Report) -> Overview:
    """The pipeline at a glance from a checked report."""
    codes: dict[tuple, set[str]] = {}  # (tab, row): rows repeat across tabs
    for f in report.findings:
        codes.setdefault((f.sheet, f.row), set()).add(f.code)
    today, week_end = report.today, report.today + dt.timedelta(days=WEEK - 1)
    total, owners = Tally(), {}
    stages: dict[str, list] = {s.label: [0, 0.0] for s in report.context.config.stages.stages
                               if s.phase == OPEN}
    unknown = 0
    split = split_by_currency(report.deals) or {}  # several currencies: never one sum
    currency = {id(d): code for code, group in split.items() for d in group}
    for deal in report.deals:
        stage = deal.stage
        if stage is None:
            unknown += 1
            continue
        if stage.phase == CLOSED:
            continue
        found = codes.get((deal.sheet, deal.row), set())
        owner = str(deal.get("owner") or "(no owner)")
        tally = owners.setdefault(owner, Tally(owner))
        due = report.status_of(deal).next_action_due
        for t in (total, tally):
            if stage.phase == OPEN:
                t.open += 1
                t.add(deal.get("amount") or 0, currency.get(id(deal)) if split else None)
            t.stale += STALE_CODE in found
            t.idle += bool(found & IDLE_CODES)
            t.overdue += bool(found & OVERDUE_CODES)
            t.due_this_week += bool(due and today <= due <= week_end
                                    and not found & OVERDUE_CODES)
        if stage.phase == OPEN:
            stages[stage.label][0] += 1
            stages[stage.label][1] += 0 if split else deal.get("amount") or 0
    by_stage = [(label, n, v) for label, (n, v) in stages.items() if n]
    people = sorted((t for t in owners.values() if t.open or t.overdue or t.due_this_week),
                    key=lambda t: (-t.open, t.owner.lower()))
    return Overview(total, by_stage, people if len(people) > 1 else [], unknown)
