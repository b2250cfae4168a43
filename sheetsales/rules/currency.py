"""Which currency each deal's amount is in, so that no total (the summary, the overview, the
digest's pipeline line) adds two currencies together
(SPEC section 10). The currency is the deal's Currency cell when filled, else what the
amount's own text shows ("$4,500", "1.234,56 €", "USD 200", understand.amounts.currency_in);
a pipeline whose amounts name one currency, or none, is one pot, as before. Pure."""

from ..understand.amounts import currency_in, currency_name

NO_CURRENCY = "(no currency)"


def deal_currency(deal) -> str | None:
    """The currency of the deal's amount: its Currency cell, else the currency the amount's
    text names; None when it has no amount, or a bare number and no Currency."""
    if deal.get("amount") is None:
        return None
    return currency_name(deal.get("currency")) or currency_in(deal.original("amount"))


def split_by_currency(deals) -> dict[str, list] | None:
    """Currency -> the deals whose amount is in it (bare amounts under NO_CURRENCY), in
    currency order, or None when the amounts name fewer than two currencies."""
    pots: dict[str | None, list] = {}
    for deal in deals:
        if deal.get("amount") is not None:
            pots.setdefault(deal_currency(deal), []).append(deal)
    named = sorted(c for c in pots if c is not None)
    if len(named) < 2:
        return None
    split = {c: pots[c] for c in named}
    if None in pots:
        split[NO_CURRENCY] = pots[None]
    return split


def amounts_text(amounts: dict[str, float | None], fmt) -> str:
    """"1,000 EUR + 4,800 USD": several currencies, side by side, never summed."""
    return " + ".join(f"{fmt(v)} {c}" for c, v in amounts.items())
