"""The flow between the steps of the sales process, from the stage dates in the sheet: how
many deals reached each step, how many went on to the next, and the median days spent in it.
Pure; part of the pipeline summary (summary.py)."""

import statistics
from dataclasses import dataclass

from ..core.stages import StageSet


@dataclass
class FlowRow:
    stage: str
    reached: int = 0
    went_on: int | None = 0  # None for the last step
    conversion: float | None = None  # went_on / reached
    median_days: float | None = None  # in the step, from its date to the next step's


def flow(deals, stages: StageSet) -> list[FlowRow]:
    """For each step: how many deals reached it (their stage is there or later, or its date
    is filled), how many of those went on to the next step, and the median days between
    the step's date and the next step's."""
    steps = list(stages.progression)
    fields = [s.date_field for s in steps]
    orders = [s.order for s in steps]
    last = len(steps) - 1
    reached_counts, went_on = [0] * len(steps), [0] * len(steps)
    spans: list[list[int]] = [[] for _ in steps]
    for deal in deals:
        stage, values = deal.stage, deal.values
        at = stage.order if stage is not None and stage.order is not None else -1
        dates = [values.get(f) if f else None for f in fields]
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
        row.median_days = float(statistics.median(spans[i])) if spans[i] else None
        rows.append(row)
    return rows
