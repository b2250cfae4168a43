"""The rule catalogue: one small function per code, listed explicitly in RULES."""

from collections import defaultdict

from ..core.similar import SIMILAR_KEYS, similar_clusters
from ..core.stages import normalize
from .context import IDLE, OVERDUE, SOON, Context, Rule
from .data_rules import (ambiguous_date, bad_number, dates_out_of_order, duplicate_id,
                         future_step_date, missing_id, not_a_date, possible_duplicate,
                         required_missing, unknown_product)
from .due_rules import (delivery_due_soon, delivery_overdue, follow_up_due_soon,
                        follow_up_overdue, idle, next_step_overdue, no_next_step,
                        stale_forecast)
from .stage_rules import skipped_step, stage_behind_dates, stage_moved_back, unknown_stage

RULES: tuple[Rule, ...] = (
    unknown_stage, skipped_step, stage_behind_dates, stage_moved_back,
    not_a_date, dates_out_of_order, future_step_date, ambiguous_date,
    required_missing, bad_number, missing_id, duplicate_id, possible_duplicate, unknown_product,
    delivery_overdue, delivery_due_soon, follow_up_overdue, follow_up_due_soon,
    next_step_overdue, no_next_step, idle, stale_forecast,
)
RULE_CODES = tuple(r.code for r in RULES)
# What each due rule tells an owner (code -> OVERDUE, SOON or IDLE): the status, the
# Reminders sheet and the digests all read it from here.
DUE_KINDS = {r.code: r.due for r in RULES if r.due}
OVERDUE_CODES = frozenset(c for c, kind in DUE_KINDS.items() if kind == OVERDUE)
SOON_CODES = frozenset(c for c, kind in DUE_KINDS.items() if kind == SOON)
IDLE_CODES = frozenset(c for c, kind in DUE_KINDS.items() if kind == IDLE)

__all__ = ["DUE_KINDS", "IDLE", "IDLE_CODES", "OVERDUE", "OVERDUE_CODES", "RULES", "RULE_CODES",
           "SOON", "SOON_CODES", "Context", "Rule", "id_rows", "run_rules"]


def id_rows(deals) -> dict[str, list[int]]:
    """Deal ID -> the rows that carry it, for the IDs on more than one row."""
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    for deal in deals:
        key = deal.deal_id
        if key:
            row = first.setdefault(key, deal.row)
            if row != deal.row:
                shared.setdefault(key, [row]).append(deal.row)
    return shared


def similar_rows(deals, columns) -> dict[int, int]:
    """Row -> the first row of its cluster, for every later deal of a likely-duplicate
    cluster (see duplicates.py); deals with the same ID are IDS002's, not these."""
    keys = [k for k in SIMILAR_KEYS if k in columns]
    if "company" not in keys or len(keys) < 2:
        return {}
    groups = [[d for d in deals if d.values.get("created") or d.values.get("first_contact")]]
    for key in keys:  # narrow field by field: most deals drop out at the first unique value
        groups = [g for group in groups for g in _split(group, key) if len(g) > 1]
    entries, ids = [], {}
    for group in groups:
        for deal in group:
            values = deal.values
            day = values.get("created") or values.get("first_contact")
            entries.append((id(group), day, deal.row))
            ids[deal.row] = values.get("deal_id")
    later = {}
    for rows in similar_clusters(entries):
        for row in rows[1:]:
            if not ids[row] or ids[row] != ids[rows[0]]:
                later[row] = rows[0]
    return later


def _split(deals, key) -> list[list]:
    """Deals grouped by one field's normalised value; deals without it are left out."""
    buckets = defaultdict(list)
    for deal in deals:
        value = deal.values.get(key)
        if value:
            buckets[normalize(value if value.__class__ is str else str(value))].append(deal)
    return list(buckets.values())


def run_rules(deals, ctx: Context) -> list:
    """Every enabled rule on every deal: findings in row order, then rule order."""
    ctx.id_rows = id_rows(deals)
    ctx.similar_rows = similar_rows(deals, ctx.sheet.columns)
    enabled = [r for r in RULES if r.code not in ctx.config.rules.disabled]
    findings = []
    by_stage: dict = {}  # a deal's stage -> the checks that can fire on it
    for deal in deals:
        checks = by_stage.get(deal.stage)
        if checks is None:
            phase = deal.stage.phase if deal.stage else None
            checks = by_stage[deal.stage] = [r.check for r in enabled
                                             if r.phases is None or phase in r.phases]
        for check in checks:
            found = check(deal, ctx)
            if found:
                findings.extend(found)
    return findings
