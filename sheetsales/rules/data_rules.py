"""Rules about the cells themselves: dates, required fields, numbers, IDs, products."""

from ..core.dates import plural
from ..core.similar import IDENTIFYING, agreement
from ..core.model import ERROR, WARNING
from .context import NONE, rule

DATE_ORDER_HINT = 'set date_order = "DMY" (or "MDY") under [rules] in sheetsales.toml'


@rule("DAT001", ERROR)
def not_a_date(deal, ctx):
    """Not a date: unparseable text in a date column."""
    if not deal.invalid:
        return NONE
    return [ctx.finding(not_a_date, deal, key, deal.invalid[key],
                        'Type the date as YYYY-MM-DD (or format the cell as a date), or run '
                        '"sheetsales clean dates".')
            for key in ctx.date_keys if key in deal.invalid]


@rule("DAT002", ERROR)
def dates_out_of_order(deal, ctx):
    """Step dates out of order (e.g. Confirmed on before Proposal sent)."""
    found, latest, latest_day, values = [], None, None, deal.values
    for stage in ctx.step_stages:
        day = values.get(stage.date_field)
        if not day:
            continue
        if latest_day is None or day > latest_day:
            latest, latest_day = stage, day
        elif day < latest_day:
            header, before = ctx.header(stage.date_field), ctx.header(latest.date_field)
            found.append(ctx.finding(
                dates_out_of_order, deal, stage.date_field,
                f'"{header}" {day.isoformat()} is {plural((latest_day - day).days)} before '
                f'"{before}" {latest_day.isoformat()}',
                f'Steps happen in order: correct "{header}" or "{before}".'))
    return found


@rule("DAT003", ERROR)
def future_step_date(deal, ctx):
    """A completed step is dated in the future."""
    today, values = ctx.today, deal.values
    late = [key for key in ctx.stage_date_keys if key in values and values[key] > today]
    return [ctx.finding(
        future_step_date, deal, key,
        f'"{ctx.header(key)}" {values[key].isoformat()} is '
        f"{plural((values[key] - today).days)} in the future (today is {today.isoformat()})",
        "A completed step cannot be dated later than today: correct the date, or use "
        '"Next step due" for planned work.') for key in late]


@rule("DAT004", WARNING)
def ambiguous_date(deal, ctx):
    """Ambiguous text date (03/04/2026) and no date order configured."""
    if not deal.ambiguous:
        return NONE
    return [ctx.finding(ambiguous_date, deal, key, deal.ambiguous[key],
                        f"Retype it as YYYY-MM-DD, or {DATE_ORDER_HINT}.")
            for key in ctx.date_keys if key in deal.ambiguous]


@rule("REQ001", ERROR)
def required_missing(deal, ctx):
    """A field required at this stage is empty.

    Defaults: Owner and Company always; Amount from Proposal on; Delivery due from Won on;
    each step's own date from that step on."""
    stage = deal.stage
    found = []
    for key in ctx.required_keys(stage):
        if deal.filled(key):
            continue
        if key == "delivery_due" and ctx.delivery_due(deal)[0]:
            continue  # the product's lead time gives a default
        found.append(ctx.finding(
            required_missing, deal, key,
            f'"{ctx.header(key)}" is empty; it is required at {stage.label if stage else "any stage"}',
            f'Fill "{ctx.header(key)}".'))
    return found


RANGES = (("amount", 0, None), ("probability", 0, 100))


@rule("VAL001", ERROR)
def bad_number(deal, ctx):
    """Amount or probability is not a number, or out of range."""
    found = []
    for key, low, high in RANGES:
        if not deal.filled(key):
            continue
        number = deal.values.get(key)
        if number is not None and number >= low and (high is None or number <= high):
            continue
        header = ctx.header(key)
        if number is None:
            problem = f'"{header}" {deal.original(key)!r} is not a number'
        elif number < low or (high is not None and number > high):
            limits = f"between {low} and {high}" if high is not None else f"{low} or more"
            problem = f'"{header}" {number:g} is out of range (expected {limits})'
        else:
            continue
        found.append(ctx.finding(bad_number, deal, key, problem,
                                 f'Type a plain number in "{header}", such as 12500 or 40.'))
    return found


@rule("IDS001", ERROR)
def missing_id(deal, ctx):
    """Deal ID missing."""
    if deal.deal_id or not ctx.has("deal_id"):
        return NONE
    return [ctx.finding(missing_id, deal, "deal_id", "deal ID is empty",
                        'Give every deal a unique ID, or run "sheetsales clean ids".')]


@rule("IDS002", ERROR)
def duplicate_id(deal, ctx):
    """Deal ID duplicated (names every row that shares it)."""
    rows = ctx.id_rows.get(deal.deal_id)  # IDs on two rows or more only
    if not rows:
        return NONE
    same = [str(r) for r in rows if r.__class__ is int and r != deal.row]
    where = [f"row{'s' * (len(same) > 1)} {', '.join(same)}"] if same else []
    where += [r for r in rows if r.__class__ is str]  # on another tab: its cell, Bob!A3
    return [ctx.finding(duplicate_id, deal, "deal_id",
                        f"deal ID {deal.deal_id!r} is also used on {' and '.join(where)}",
                        'Give each deal its own ID, or run "sheetsales clean dupes".')]


@rule("IDS003", WARNING)
def possible_duplicate(deal, ctx):
    """Possible duplicate: same contact, e-mail, or company, product and amount as a close-dated deal.

    The earlier deal has another (or no) Deal ID, is dated within 14 days, and no field
    that identifies a deal (company, contact, e-mail, product, amount) differs; see
    core/similar.py."""
    pair = ctx.similar_rows.get(deal.row)
    if pair is None:
        return NONE
    key = next(k for k in (*IDENTIFYING, *pair.agree) if k in pair.agree)
    return [ctx.finding(possible_duplicate, deal, key,
                        f"possible duplicate of {_row(pair.first)}: "
                        f"{agreement(pair.agree, pair.differ, ctx.header)}; dated "
                        f"{plural(pair.days)} apart",
                        'Merge the two rows or mark one Lost; "sheetsales clean dupes" shows '
                        "them side by side.")]


def _row(first) -> str:
    return f"row {first}" if first.__class__ is int else first  # another tab's: Bob row 3


@rule("PRD001", WARNING)
def unknown_product(deal, ctx):
    """Product not in the Products sheet."""
    name = deal.get("product")
    if ctx.sheet.products is None or not name or ctx.product(deal):
        return NONE
    known = ", ".join(p["name"] for p in list(ctx.sheet.products.values())[:8])
    return [ctx.finding(unknown_product, deal, "product",
                        f"product {name!r} is not in the Products sheet",
                        f"Use a product listed there ({known}), or add it to Products.")]
