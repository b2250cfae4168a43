"""The rule catalogue: one small function per code, listed explicitly in RULES."""

from ..core.similar import COMPARED, Pair, Record, anchors_for, comparable, likely_pairs
from ..core.stages import phase_of
from .column_rules import column_findings, weak_header
from .context import IDLE, OVERDUE, SOON, Context, Rule
from .data_rules import (ambiguous_date, bad_number, dates_out_of_order, duplicate_id,
                         future_step_date, missing_id, not_a_date, possible_duplicate,
                         required_missing, unknown_product)
from .due_rules import (delivery_due_soon, delivery_overdue, follow_up_due_soon,
                        follow_up_overdue, idle, next_step_overdue, no_next_step,
                        stale_forecast)
from .owned_rules import typed_over
from .stage_rules import skipped_step, stage_behind_dates, stage_moved_back, unknown_stage

RULES: tuple[Rule, ...] = (
    weak_header, unknown_stage, skipped_step, stage_behind_dates, stage_moved_back,
    not_a_date, dates_out_of_order, future_step_date, ambiguous_date,
    required_missing, bad_number, missing_id, duplicate_id, possible_duplicate, unknown_product,
    delivery_overdue, delivery_due_soon, follow_up_overdue, follow_up_due_soon,
    next_step_overdue, no_next_step, idle, stale_forecast, typed_over,
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


TAB_SHIFT = 21  # a deal of several tabs is numbered tab << 21 | row: a sheet has 2**20 rows


def id_rows(*tabs) -> dict[str, list[int]]:
    """Deal ID -> the rows that carry it, for the IDs on more than one row of the tabs' deals
    (one list of deals a tab); over several tabs a row is numbered tab << TAB_SHIFT | row."""
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    for tab, deals in enumerate(tabs):
        tab <<= TAB_SHIFT
        for deal in deals:
            key, number = deal.deal_id, tab | deal.row
            if key and first.setdefault(key, number) != number:
                shared.setdefault(key, [first[key]]).append(number)
    return shared


def similar_rows(columns, *tabs) -> dict[int, Pair]:
    """Row -> its likely-duplicate pair with the earliest row, for every later row of such a
    pair (see core/similar.py), over the tabs' deals numbered as by id_rows; deals with the
    same ID are IDS002's, not these."""
    anchors = anchors_for(columns)
    if not anchors:
        return {}
    compared = [k for k in COMPARED if k in columns]
    seen: dict = {}  # (field, value) -> comparable: a sheet repeats its companies and people
    records = []
    for tab, deals in enumerate(tabs):
        tab <<= TAB_SHIFT
        for deal in deals:
            values = deal.values
            day = values.get("created") or values.get("first_contact")
            if day:
                found = {}
                for key in compared:
                    value = values.get(key)
                    if value is not None:
                        same = seen.get((key, value))
                        if same is None:
                            same = seen[key, value] = comparable(key, value)
                        found[key] = same
                records.append(Record(tab | deal.row, values.get("deal_id"), day, found))
    later: dict[int, Pair] = {}
    for pair in likely_pairs(records, anchors):
        later.setdefault(pair.row, pair)
    return later


def run_rules(deals, ctx: Context, shared_ids: dict | None = None,
              similar: dict | None = None) -> list:
    """Every enabled rule on every deal: findings in row order, then rule order; findings
    about a whole column (column_rules) first, on its header row. A tab of several passes
    the IDs and likely duplicates found over all of them (rules.tabs)."""
    ids = ctx.sheet.evidence.get("ids")
    if ids is not None and ids.not_an_id:
        ctx.id_rows = {}  # the column is not an ID: one finding about it, not one per row
    else:
        ctx.id_rows = id_rows(deals) if shared_ids is None else shared_ids
    ctx.similar_rows = similar_rows(ctx.sheet.columns, deals) if similar is None else similar
    enabled = [r for r in RULES if r.code not in ctx.config.rules.disabled]
    findings = column_findings(ctx)
    by_stage: dict = {}  # a deal's stage and phase -> the checks that can fire on it
    for deal in deals:
        phase = phase_of(deal.stage, deal.outcome)
        checks = by_stage.get((deal.stage, phase))
        if checks is None:
            checks = by_stage[deal.stage, phase] = [r.check for r in enabled
                                                    if r.phases is None or phase in r.phases]
        for check in checks:
            found = check(deal, ctx)
            if found:
                findings.extend(found)
    return findings
