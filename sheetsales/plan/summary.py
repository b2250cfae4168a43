"""The pipeline summary an owner asks for on Monday (issue 15): by stage, by owner, the
weighted forecast by expected-close month, the flow between steps, and the totals. Pure
functions of the typed deals, today and the configuration; no I/O.

Open means Lead to Proposal (not yet won or lost); won means Won, Delivered or Followed up.
Weighted = amount x probability: the deal's own Probability cell when filled, else its
stage's default from `[probability] stages` (STAGE_PROBABILITY: Lead 5%, Contacted 10%,
Discovery 20%, Proposal 50%, Won/Delivered/Followed up 100%, Lost 0%). What the sheet cannot
tell (no amounts, no close dates, no won dates) is None with a sentence in `gaps`, never a
zero shown as a fact.

Stale forecasts (an open deal whose Expected close is more than `[rules] forecast_grace_days`
past, DUE007) are the forecast's own "stale" line, never counted in a month gone by; a
close date within the grace counts in this month."""

import datetime as dt
from dataclasses import asdict, dataclass, field

from ..core.config_schema import STAGE_PROBABILITY
from ..core.dates import plural
from ..core.stages import CLOSED, CLOSING_OUTCOMES, OPEN, Stage, StageSet, normalize, phase_of
from ..rules.currency import NO_CURRENCY, split_by_currency
from .flow import FlowRow, entries, flow

NONE, LATER, STALE = "none", "later", "stale"
UNKNOWN_STAGE = "(unknown stage)"
NO_OWNER = "(no owner)"


@dataclass
class StageRow:  # amounts and counts are None where the sheet cannot tell them
    stage: str
    deals: int = 0
    amount: float | None = 0.0
    weighted: float | None = 0.0


@dataclass
class OwnerRow:
    owner: str
    open_deals: int = 0
    open_amount: float | None = 0.0
    weighted: float | None = 0.0
    overdue: int = 0
    won_this_month: int | None = 0


@dataclass
class MonthRow:
    month: str  # "YYYY-MM", "later", "none", or "stale" (expected close gone by: DUE007)
    deals: int = 0
    amount: float | None = 0.0
    weighted: float | None = 0.0


@dataclass
class Totals:
    deals: int = 0
    open_deals: int = 0
    open_amount: float | None = 0.0
    weighted_amount: float | None = 0.0
    won_this_month: int | None = 0
    won_amount_this_month: float | None = 0.0
    lost_this_month: int | None = 0
    won_this_quarter: int | None = 0
    lost_this_quarter: int | None = 0
    win_rate: float | None = None  # won / (won + lost), of every closed deal


@dataclass
class Summary:
    today: dt.date
    totals: Totals
    by_stage: list[StageRow]
    by_owner: list[OwnerRow]
    forecast: list[MonthRow]
    flow: list[FlowRow]
    gaps: list[str] = field(default_factory=list)
    # amounts in several currencies: currency -> the summary of the deals priced in it (the
    # amounts above are then None: never added across currencies)
    by_currency: dict[str, "Summary"] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready: {today, totals, by_stage, by_owner, forecast, flow, gaps}, and with
        several currencies `by_currency`: {currency: {totals, by_stage, by_owner, forecast}}."""
        data = asdict(self)
        data["today"] = self.today.isoformat()
        data["by_currency"] = {c: {k: v for k, v in asdict(s).items()
                                   if k in ("totals", "by_stage", "by_owner", "forecast")}
                               for c, s in self.by_currency.items()}
        if not self.by_currency:
            del data["by_currency"]
        return data


def probabilities(stages: StageSet, configured: dict[str, float]) -> dict[str, float]:
    """Stage key -> default probability in percent: `configured` ({label: percent}) over
    STAGE_PROBABILITY; a stage named in neither gets 0 for closed, else 10."""
    by_name = {normalize(k): v for k, v in {**STAGE_PROBABILITY, **configured}.items()}
    found = {}
    for stage in stages.stages:
        value = by_name.get(normalize(stage.label), by_name.get(normalize(stage.key)))
        found[stage.key] = value if value is not None else (0.0 if stage.order is None else 10.0)
    return found


def is_won(stage: Stage | None, outcome: str | None) -> bool:
    if stage is None or outcome in CLOSING_OUTCOMES:
        return False
    return stage.order is not None and phase_of(stage, outcome) != OPEN


def is_lost(stage: Stage | None, outcome: str | None) -> bool:
    return outcome in CLOSING_OUTCOMES or (stage is not None and stage.order is None
                                           and stage.phase == CLOSED)


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_ahead(today: dt.date, count: int) -> list[str]:
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3


def summarize(deals, stages: StageSet, today: dt.date, defaults: dict[str, float],
              months: int = 6, overdue_rows: frozenset = frozenset(),
              grace_days: int = 0, entered: dict | None = None) -> Summary:
    """The summary of `deals` (typed Deal objects) on `today`; `defaults` is the stage key ->
    probability of `probabilities`, `overdue_rows` the (tab, row) whose status is Overdue, an
    open deal expected to close more than `grace_days` ago is stale, and `entered` is what the
    run history says of when deals entered their stages (flow.entries)."""
    order = [s for s in stages.progression] + [s for s in stages.stages if s.order is None]
    by_stage = {s.key: StageRow(s.label) for s in order}
    unknown = StageRow(UNKNOWN_STAGE)
    owners: dict[str, OwnerRow] = {}
    wanted = _months_ahead(today, months)
    forecast = {m: MonthRow(m) for m in [*wanted, LATER, NONE, STALE]}
    stale_before = today - dt.timedelta(days=grace_days)
    totals = Totals()
    seen = {"amount": False, "probability": False, "close": False, "won_on": False,
            "lost_on": False}
    won_all = lost_all = 0
    priced: set[int] = set()  # id() of the rows with at least one amount
    month, quarter = _month(today), _quarter(today)
    kinds: dict = {}  # (stage, outcome) -> (won, lost, open): a sheet has few of them
    for deal in deals:
        stage, outcome, values = deal.stage, deal.outcome, deal.values
        amount = values.get("amount")
        if amount is not None:
            seen["amount"] = True
        own = values.get("probability")
        seen["probability"] |= own is not None
        kind = kinds.get((stage, outcome))
        if kind is None:
            won, lost = is_won(stage, outcome), is_lost(stage, outcome)
            kind = kinds[(stage, outcome)] = (won, lost, stage is not None and not won and not lost
                                              and phase_of(stage, outcome) == OPEN)
        won, lost, is_open = kind
        chance = 100.0 if won else 0.0 if lost else \
            own if own is not None else defaults.get(stage.key, 0.0) if stage else 0.0
        weighted = amount * chance / 100 if amount is not None else 0.0
        row = by_stage.get(stage.key, unknown) if stage else unknown
        if amount is not None:
            priced.add(id(row))
        row.deals += 1
        row.amount += amount or 0.0
        row.weighted += weighted
        totals.deals += 1
        name = str(values.get("owner") or "").strip() or NO_OWNER
        owner = owners.get(name) or owners.setdefault(name, OwnerRow(name))
        if (deal.sheet, deal.row) in overdue_rows:
            owner.overdue += 1
        if is_open:
            if amount is not None:
                priced.add(id(owner))
            totals.open_deals += 1
            totals.open_amount += amount or 0.0
            totals.weighted_amount += weighted
            owner.open_deals += 1
            owner.open_amount += amount or 0.0
            owner.weighted += weighted
            close = values.get("expected_close")
            if close is not None:
                seen["close"] = True
                key = max(_month(close), month)  # within the grace: expected this month
                bucket = forecast[STALE] if close < stale_before else \
                    forecast.get(key) or forecast[LATER]
            else:
                bucket = forecast[NONE]
            bucket.deals += 1
            if amount is not None:
                priced.add(id(bucket))
            bucket.amount += amount or 0.0
            bucket.weighted += weighted
        if won:
            won_all += 1
            day = values.get("confirmed_on")
            if day is not None:
                seen["won_on"] = True
                if _month(day) == month:
                    totals.won_this_month += 1
                    totals.won_amount_this_month += amount or 0.0
                    owner.won_this_month += 1
                if _quarter(day) == quarter:
                    totals.won_this_quarter += 1
        elif lost:
            lost_all += 1
            day = values.get("lost_on")
            if day is not None:
                seen["lost_on"] = True
                totals.lost_this_month += _month(day) == month
                totals.lost_this_quarter += _quarter(day) == quarter
    if won_all + lost_all:
        totals.win_rate = won_all / (won_all + lost_all)
    stage_rows = list(by_stage.values()) + ([unknown] if unknown.deals else [])
    summary = Summary(today, totals, stage_rows,
                      sorted(owners.values(), key=lambda o: (-(o.open_amount or 0), o.owner)),
                      [r for r in forecast.values() if r.month != STALE or r.deals],
                      flow(deals, stages, entered))
    _say_gaps(summary, seen)
    split = split_by_currency(deals) if seen["amount"] else None
    if split:
        _by_currency(summary, split, stages, today, defaults, months, overdue_rows, grace_days)
    for row in [*summary.by_stage, *summary.forecast]:
        if row.deals and id(row) not in priced:  # deals, none with an amount: unknown, not 0
            row.amount = row.weighted = None
    for owner in summary.by_owner:
        if owner.open_deals and id(owner) not in priced:
            owner.open_amount = owner.weighted = None
    return summary


def _by_currency(summary: Summary, split: dict, *args) -> None:
    """Amounts in several currencies: each its own summary, none added to another."""
    summary.by_currency = {c: summarize(group, *args) for c, group in split.items()}
    _blank_amounts(summary)
    named = [c for c in split if c != NO_CURRENCY]
    summary.gaps.append(f"amounts are in {len(named)} currencies ({', '.join(named)}), so they "
                        "are totalled per currency, never added together")
    if NO_CURRENCY in split:
        count = len(split[NO_CURRENCY])
        summary.gaps.append(f"{plural(count, 'deal')} with an amount but no "
                            f"currency {'are' if count != 1 else 'is'} totalled apart, under "
                            f"{NO_CURRENCY} (write the currency with the amount)")


def _blank_amounts(summary: Summary) -> None:
    t = summary.totals
    t.open_amount = t.weighted_amount = t.won_amount_this_month = None
    for row in [*summary.by_stage, *summary.by_owner, *summary.forecast]:
        for name in {"amount", "weighted", "open_amount"} & set(vars(row)):
            setattr(row, name, None)


def _say_gaps(summary: Summary, seen: dict) -> None:
    """Blank what the sheet cannot tell, and say why."""
    t, gaps = summary.totals, summary.gaps
    if not seen["amount"]:
        gaps.append("no deal has an amount, so amounts and the weighted forecast are not shown "
                    "(fill the Amount column)")
        _blank_amounts(summary)
    elif not seen["probability"]:
        gaps.append("no deal has a probability, so the weighted amounts use each stage's "
                    "default ([probability] stages)")
    if not seen["close"] and t.open_deals:
        gaps.append("no open deal has an expected close date, so the forecast by month is "
                    "empty (add an Expected close column)")
    if not seen["won_on"]:
        gaps.append('no won deal has a "Confirmed on" date, so won this month and quarter are '
                    "not shown")
        t.won_this_month = t.won_this_quarter = t.won_amount_this_month = None
        for owner in summary.by_owner:
            owner.won_this_month = None
    if not seen["lost_on"]:  # no Lost on dates: nothing to say beyond the dashes
        t.lost_this_month = t.lost_this_quarter = None
    if t.deals < 2:
        gaps.append(f"the sheet has {plural(t.deals, 'deal')}, too few for "
                    "conversion rates and medians to mean much")


def summary_of(report, config, months: int | None = None) -> Summary:
    """The summary of a checked report (one tab or several: one pipeline) under `config`
    ([summary] months, [probability], [rules] forecast_grace_days), with the run history's
    stage records the check was given (report.context.stage_since) in the flow."""
    defaults = probabilities(config.stages, config.probability.stages)
    overdue = frozenset((part.sheet.title, row) for part in report.parts()
                        for row, s in part.statuses().items() if s.status == "Overdue")
    return summarize(report.deals, config.stages, report.today, defaults,
                     months or config.summary.months, overdue,
                     config.rules.forecast_grace_days, entries(report.context.stage_since))
