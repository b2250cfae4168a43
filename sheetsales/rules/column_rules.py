"""Findings about a whole column, from what the sheet proved about itself (understand/): a
header read only by some of its words or that could be two fields (HDR001), a date column
mixing day-first and month-first values (DAT004), a Deal ID column that repeats widely and so
is no ID (IDS002, once, instead of once per row). Each sits on the column's header cell, so no
deal's status changes for it."""

from ..core.cells import column_letter
from ..core.model import ERROR, Finding
from .context import NONE, rule
from .data_rules import DATE_ORDER_HINT, ambiguous_date, duplicate_id

MAP_HINT = "under [columns] in sheetsales.toml (sheetsales init --from asks and writes it)"


@rule("HDR001", ERROR)
def weak_header(deal, ctx):
    """Column header matched only by some of its words, or could name two fields.

    One finding per such column, on its header cell (see column_findings); never per deal."""
    return NONE


def _header_findings(ctx) -> list[Finding]:
    match, sheet = ctx.sheet.evidence.get("header"), ctx.sheet
    if match is None:
        return []
    found = []
    names = {f.key: f.header for f in ctx.config.fields}
    for m in match.weak:
        found.append(header_finding(ctx, weak_header, m.index, m.header,
                         f'column "{m.header}" was read as "{names.get(m.field, m.field)}" '
                         f"only by some of its words ({m.how}: {m.via})",
                         f'If it is, write {m.field} = "{m.header}" {MAP_HINT}; if not, map '
                         f"the right column there."))
    for header, fields in match.ties:
        if all(f in sheet.columns for f in fields):
            continue  # each field has a column of its own: this one is neither
        index = next(i for i, h in sheet.headers.items() if h == header)
        found.append(header_finding(ctx, weak_header, index, header,
                         f'column "{header}" could be {" or ".join(fields)}, so it was read '
                         "as neither",
                         f'Write the one it is, e.g. {fields[0]} = "{header}", {MAP_HINT}.'))
    return found


def column_findings(ctx) -> list[Finding]:
    """The column-level findings of the checked sheet, for the rules not disabled."""
    sheet, disabled = ctx.sheet, ctx.config.rules.disabled
    found = [] if weak_header.code in disabled else _header_findings(ctx)
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


def _finding(ctx, rule_, key, value, message, hint) -> Finding:
    return header_finding(ctx, rule_, ctx.sheet.columns[key], value, message, hint, ctx.header(key))


def header_finding(ctx, rule_, index, value, message, hint, header=None) -> Finding:
    """A finding about a whole column, on its header cell."""
    sheet = ctx.sheet
    cell = f"{sheet.title}!{column_letter(index)}{sheet.header_row}"
    return Finding(rule_.code, rule_.severity, sheet.title, sheet.header_row,
                   header or sheet.headers.get(index, value), cell, None, value, message, hint)
