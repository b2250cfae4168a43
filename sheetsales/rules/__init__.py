"""The rule catalogue: one small function per code, listed explicitly in RULES."""

from collections import defaultdict

from .context import Context, Rule
from .data_rules import (ambiguous_date, bad_number, dates_out_of_order, duplicate_id,
                         future_step_date, missing_id, not_a_date, required_missing,
                         unknown_product)
from .due_rules import (delivery_due_soon, delivery_overdue, follow_up_due_soon,
                        follow_up_overdue, idle, next_step_overdue, no_next_step)
from .stage_rules import skipped_step, stage_behind_dates, stage_moved_back, unknown_stage

RULES: tuple[Rule, ...] = (
    unknown_stage, skipped_step, stage_behind_dates, stage_moved_back,
    not_a_date, dates_out_of_order, future_step_date, ambiguous_date,
    required_missing, bad_number, missing_id, duplicate_id, unknown_product,
    delivery_overdue, delivery_due_soon, follow_up_overdue, follow_up_due_soon,
    next_step_overdue, no_next_step, idle,
)
RULE_CODES = tuple(r.code for r in RULES)

__all__ = ["RULES", "RULE_CODES", "Context", "Rule", "run_rules", "id_rows"]


def id_rows(deals) -> dict[str, list[int]]:
    """Deal ID -> the rows that carry it."""
    rows = defaultdict(list)
    for deal in deals:
        if deal.deal_id:
            rows[deal.deal_id].append(deal.row)
    return dict(rows)


def run_rules(deals, ctx: Context) -> list:
    """Every enabled rule on every deal: findings in row order, then rule order."""
    ctx.id_rows = id_rows(deals)
    enabled = [r for r in RULES if r.code not in ctx.config.rules.disabled]
    findings = []
    checks = [r.check for r in enabled]
    for deal in deals:
        for check in checks:
            found = check(deal, ctx)
            if found:
                findings.extend(found)
    return findings
