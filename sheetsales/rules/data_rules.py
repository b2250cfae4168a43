"""Rules about the cells themselves: dates, required fields, numbers, IDs, products."""

from ..fields import DATE
from ..model import ERROR, WARNING, is_blank
from ..stages import ALWAYS_REQUIRED
from .context import rule

DATE_ORDER_HINT = 'set date_order = "DMY" (or "MDY") under [rules] in sheetsales.toml'


def _date_keys(ctx):
    return [f.key for f in ctx.config.fields if f.kind == DATE and ctx.has(f.key)]


def _step_dates(deal, ctx):
    """(stage, date) of every filled step date, in step order (Created first)."""
    steps = [s for s in ctx.config.stages.progression if s.date_field and ctx.has(s.date_field)]
    return [(s, deal.get(s.date_field)) for s in steps if deal.get(s.date_field)]


@rule("DAT001", ERROR)
def not_a_date(deal, ctx):
    """Not a date: unparseable text in a date column."""
    for key in _date_keys(ctx):
        if key in deal.invalid:
            yield ctx.finding(not_a_date, deal, key, deal.invalid[key],
                              'Type the date as YYYY-MM-DD (or format the cell as a date), or '
                              'run "sheetsales clean dates".')


@rule("DAT002", ERROR)
def dates_out_of_order(deal, ctx):
    """Step dates out of order (e.g. Confirmed on before Proposal sent)."""
    latest = None
    for stage, day in _step_dates(deal, ctx):
        if latest and day < latest[1]:
            header, before = ctx.header(stage.date_field), ctx.header(latest[0].date_field)
            gap = (latest[1] - day).days
            yield ctx.finding(
                dates_out_of_order, deal, stage.date_field,
                f'"{header}" {day.isoformat()} is {gap} day{"s" * (gap != 1)} before "{before}" '
                f"{latest[1].isoformat()}",
                f'Steps happen in order: correct "{header}" or "{before}".')
        elif not latest or day > latest[1]:
            latest = (stage, day)


@rule("DAT003", ERROR)
def future_step_date(deal, ctx):
    """A completed step is dated in the future."""
    keys = [s.date_field for s in ctx.config.stages.stages if s.date_field and ctx.has(s.date_field)]
    for key in keys:
        day = deal.get(key)
        if day and day > ctx.today:
            ahead = (day - ctx.today).days
            yield ctx.finding(
                future_step_date, deal, key,
                f'"{ctx.header(key)}" {day.isoformat()} is {ahead} day{"s" * (ahead != 1)} in '
                f"the future (today is {ctx.today.isoformat()})",
                "A completed step cannot be dated later than today: correct the date, or use "
                '"Next step due" for planned work.')


@rule("DAT004", WARNING)
def ambiguous_date(deal, ctx):
    """Ambiguous text date (03/04/2026) and no date order configured."""
    for key in _date_keys(ctx):
        if key in deal.ambiguous:
            yield ctx.finding(ambiguous_date, deal, key, deal.ambiguous[key],
                              f"Retype it as YYYY-MM-DD, or {DATE_ORDER_HINT}.")


@rule("REQ001", ERROR)
def required_missing(deal, ctx):
    """A field required at this stage is empty (Owner and Company always; Amount from Proposal
    on; Delivery due from Won on; each step's own date from that step on)."""
    required = list(ALWAYS_REQUIRED)
    if deal.stage:
        required += list(deal.stage.required)
        if deal.stage.order and deal.stage.order >= 2 and deal.stage.date_field:
            required.append(deal.stage.date_field)
    label = deal.stage.label if deal.stage else "any stage"
    for key in dict.fromkeys(required):
        if not ctx.has(key) or not is_blank(deal.raw.get(key)):
            continue
        if key == "delivery_due" and ctx.delivery_due(deal)[0]:
            continue  # the product's lead time gives a default
        yield ctx.finding(required_missing, deal, key,
                          f'"{ctx.header(key)}" is empty; it is required at {label}',
                          f'Fill "{ctx.header(key)}".')


@rule("VAL001", ERROR)
def bad_number(deal, ctx):
    """Amount or probability is not a number, or out of range."""
    for key, low, high in (("amount", 0, None), ("probability", 0, 100)):
        if not ctx.has(key) or is_blank(deal.raw.get(key)):
            continue
        header, number = ctx.header(key), deal.get(key)
        if number is None:
            problem = f'"{header}" {deal.raw.get(key)!r} is not a number'
        elif number < low or (high is not None and number > high):
            limits = f"between {low} and {high}" if high is not None else f"{low} or more"
            problem = f'"{header}" {number:g} is out of range (expected {limits})'
        else:
            continue
        yield ctx.finding(bad_number, deal, key, problem,
                          f'Type a plain number in "{header}", such as 12500 or 40.')


@rule("IDS001", ERROR)
def missing_id(deal, ctx):
    """Deal ID missing."""
    if ctx.has("deal_id") and not deal.deal_id:
        yield ctx.finding(missing_id, deal, "deal_id", "deal ID is empty",
                          'Give every deal a unique ID, or run "sheetsales clean ids".')


@rule("IDS002", ERROR)
def duplicate_id(deal, ctx):
    """Deal ID duplicated (names every row that shares it)."""
    rows = ctx.id_rows.get(deal.deal_id, []) if deal.deal_id else []
    if len(rows) > 1:
        others = ", ".join(str(r) for r in rows if r != deal.row)
        yield ctx.finding(duplicate_id, deal, "deal_id",
                          f"deal ID {deal.deal_id!r} is also used on row{'s' * (len(rows) > 2)} "
                          f"{others}",
                          'Give each deal its own ID, or run "sheetsales clean dupes".')


@rule("PRD001", WARNING)
def unknown_product(deal, ctx):
    """Product not in the Products sheet."""
    name = deal.get("product")
    if ctx.sheet.products is not None and name and not ctx.product(deal):
        known = ", ".join(p["name"] for p in list(ctx.sheet.products.values())[:8])
        yield ctx.finding(unknown_product, deal, "product",
                          f"product {name!r} is not in the Products sheet",
                          f"Use a product listed there ({known}), or add it to Products.")
