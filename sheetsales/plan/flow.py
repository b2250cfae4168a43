"""The flow between the steps of the sales process: how many deals reached each step, how
many went on to the next, and the median days spent in it. From the stage dates in the
sheet, and from the run history where it has more (the day a deal was first seen in a step
whose date the sheet does not hold). Pure; part of the pipeline summary (summary.py)."""

import datetime as dt
from dataclasses import dataclass

from ..core.stages import StageSet


@dataclass
class FlowRow:
    stage: str
    reached: int = 0
    went_on: int | None = 0  # None for the last step
    conversion: float | None = None  # went_on / reached
    median_days: float | None = None  # in the step, from its date to the next step's


def entries(stage_since: dict[str, tuple[str, dt.date]] | None) -> dict[str, tuple[str, dt.date]]:
    """The run history's (stage key, first day seen in it) per Deal ID that say when a deal
    entered a stage. The earliest day of them is left out: a deal seen in its stage since then
    was already there when the history began, so that day is not when it entered."""
    if not stage_since:
        return {}
    start = min(day for _, day in stage_since.values())
    return {deal: found for deal, found in stage_since.items() if found[1] > start}


def _dates(deal, fields, index, entered) -> list:
    """The day the deal entered each step: the step's own date, else, for its current step,
    the sheet's Stage since, else (and when later, as the rules' idle clock does) the day the
    run history first saw it in that step."""
    values = deal.values
    dates = [values.get(f) if f else None for f in fields]
    stage = deal.stage
    current = index.get(stage.key) if stage is not None else None
    if current is not None and dates[current] is None:
        dates[current] = values.get("stage_since")
    seen = entered.get(deal.deal_id) if entered and deal.deal_id else None
    if seen is not None and seen[0] in index:
        i = index[seen[0]]
        own = values.get(fields[i]) if fields[i] else None
        if own is None and (dates[i] is None or seen[1] > dates[i]):
            dates[i] = seen[1]
    return dates


def flow(deals, stages: StageSet, entered: dict[str, tuple[str, dt.date]] | None = None
         ) -> list[FlowRow]:
    """For each step: how many deals reached it (their stage is there or later, or they
    entered it by a date in the sheet or `entered`, the run history's `entries`), how many
    of those went on to the next step, and the median days between the day they entered the
    step and the day they entered the next."""
    steps = list(stages.progression)
    fields = [s.date_field for s in steps]
    orders = [s.order for s in steps]
    index = {s.key: i for i, s in enumerate(steps)}
    last = len(steps) - 1
    reached_counts, went_on = [0] * len(steps), [0] * len(steps)
    spans: list[list[int]] = [[] for _ in steps]
    for deal in deals:
        stage = deal.stage
        at = stage.order if stage is not None and stage.order is not None else -1
        dates = _dates(deal, fields, index, entered)
        reached = [o <= at or d is not None for o, d in zip(orders, dates)]
        for i in range(last + 1):
            if not reached[i]:
                continue
            reached_counts[i] += 1
            if i < last and reached[i + 1]:
                went_on[i] += 1
                start, end = dates[i], dates[i + 1]
                if start is not None and end is not None and end >= start:
                    spans[i].append((end - start).days)
    rows = []
    for i, step in enumerate(steps):
        row = FlowRow(step.label, reached_counts[i], None if i == last else went_on[i])
        if i < last and row.reached:
            row.conversion = row.went_on / row.reached
        row.median_days = _median(spans[i]) if spans[i] else None
        rows.append(row)
    return rows


def _median(days: list[int]) -> float:
    """statistics.median's middle value, without the ~2 ms its import (fractions) costs
    every run."""
    ordered, middle = sorted(days), len(days) // 2
    return float(ordered[middle] if len(days) % 2 else (ordered[middle - 1] + ordered[middle]) / 2)
