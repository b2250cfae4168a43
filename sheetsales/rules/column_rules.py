"""Findings about a whole column, from what the sheet proved about itself (understand/): a
date column mixing day-first and month-first values (DAT004), a Deal ID column that repeats
widely and so is no ID (IDS002, once, instead of once per row). Each sits on the column's
header cell, so no deal's status changes for it."""

from ..core.cells import column_letter
from ..core.model import Finding
from .data_rules import DATE_ORDER_HINT, ambiguous_date, duplicate_id


def column_findings(ctx) -> list[Finding]:
    """The column-level findings of the checked sheet, for the rules not disabled."""
    sheet, disabled = ctx.sheet, ctx.config.rules.disabled
    found = []
    if ambiguous_date.code not in disabled:
        for key, order in sheet.evidence.get("dates", {}).items():
            if order.mixed and key in sheet.columns:
                day, month = order.day_first[0], order.month_first[0]
                found.append(_finding(
                    ctx, ambiguous_date, key, f"{day[1]} / {month[1]}",
                    f'"{ctx.header(key)}" mixes day-first dates ({order.day_first_count}, such '
                    f"as {day[1]} on row {day[0]}) and month-first dates "
                    f"({order.month_first_count}, such as {month[1]} on row {month[0]}), so "
                    "its ambiguous dates cannot be read",
                    f"Retype one kind as YYYY-MM-DD, or {DATE_ORDER_HINT}."))
    ids = sheet.evidence.get("ids")
    if ids is not None and ids.not_an_id and duplicate_id.code not in disabled:
        other = (f'"{ids.unique}" is unique: map it with deal_id = "{ids.unique}" under '
                 "[columns] (sheetsales init --from does)") if ids.unique else \
            'map the column that identifies a deal under [columns] deal_id'
        found.append(_finding(
            ctx, duplicate_id, "deal_id", ids.header,
            f'"{ids.header}" repeats on {ids.shared:,} of {ids.rows:,} rows ({ids.distinct:,} '
            "distinct values): it is not a deal ID, so duplicates are not reported per row",
            f"Give each deal its own ID, or {other}."))
    return found


def _finding(ctx, rule, key, value, message, hint) -> Finding:
    sheet = ctx.sheet
    cell = f"{sheet.title}!{column_letter(sheet.columns[key])}{sheet.header_row}"
    return Finding(rule.code, rule.severity, sheet.title, sheet.header_row, ctx.header(key),
                   cell, None, value, message, hint)
