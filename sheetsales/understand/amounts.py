"""Text amounts ("$4,500.00", "1.234,56 €", "2,300") and which separator a column uses for
decimals: "1.234,56" or "12,5" proves a decimal comma, "1,234.56" or "12.50" a decimal point,
"1.234.567" a dot for thousands. "1.234" alone could be either; the column's other values
decide, and a column with proof both ways decides nothing. `currency_in` names the currency
an amount's text shows ("$4,500" -> "$", "1.234,56 €" -> "EUR", "USD 200" -> "USD")."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

COMMA, POINT = ",", "."
EXAMPLES = 3
# Currency signs and codes around a number, and the spaces and apostrophes used for thousands
_CURRENCY = re.compile(r"^\s*(?:[A-Z]{3}|R\$|US\$|[$€£¥₹₽]|kr|zł|Fr\.?|CHF)?\s*"
                       r"(?P<sign>[-−]?)\s*(?:[A-Z]{3}|R\$|US\$|[$€£¥₹₽])?\s*"
                       r"(?P<number>\d[\d\s.,'’\u00a0\u202f]*)\s*"
                       r"(?:[A-Z]{3}|[$€£¥₹₽]|kr|zł|CHF|Fr\.?)?\s*$", re.IGNORECASE)
_GROUP = re.compile(r"[\s'’\u00a0\u202f]")
_MARK = re.compile(r"R\$|US\$|[$€£¥₹₽]|\b(?:[A-Z]{3}|kr|zł|Fr\.?)(?![A-Za-z])", re.IGNORECASE)
# signs that name one currency; "$", "kr" and "¥" stay as written: several currencies use them
SIGNS = {"€": "EUR", "£": "GBP", "₹": "INR", "₽": "RUB", "R$": "BRL", "US$": "USD",
         "zł": "PLN", "fr": "CHF", "fr.": "CHF", "euro": "EUR", "euros": "EUR"}


@dataclass(frozen=True)
class Separators:
    """What an amount column's text proves: `decimal` is COMMA, POINT or None (no proof, or
    proof both ways: `mixed`); examples are (row, text) of each kind; `ambiguous` counts
    the texts such as "1.234" that only the proof can read."""

    field: str
    decimal: str | None
    mixed: bool = False
    comma_examples: tuple[tuple[int, str], ...] = ()
    point_examples: tuple[tuple[int, str], ...] = ()
    ambiguous: int = 0

    def describe(self) -> str:
        if self.mixed:
            return (f"mixed decimal marks: {self.comma_examples[0][1]} (row "
                    f"{self.comma_examples[0][0]}) and {self.point_examples[0][1]} (row "
                    f"{self.point_examples[0][0]})")
        if self.decimal is None:
            return (f"no decimal mark proved ({self.ambiguous} amounts such as 1.234 could be "
                    "read either way)" if self.ambiguous else "no decimal marks")
        row, text = (self.comma_examples if self.decimal == COMMA else self.point_examples)[0]
        name = "comma" if self.decimal == COMMA else "point"
        return f"decimal {name}, proved by {text} (row {row})"


def _parts(text: str) -> tuple[str, str] | None:
    """(sign, digits and separators) of a text amount; None when it is not one."""
    text = text.strip()
    negative = text.startswith("(") and text.endswith(")")
    match = _CURRENCY.match(text[1:-1] if negative else text)
    if not match:
        return None
    sign = "-" if negative or match["sign"] else ""
    return sign, _GROUP.sub("", match["number"])


def currency_in(text) -> str | None:
    """The currency an amount's text names: an ISO code in capitals ("USD"), or the sign as
    written when it names several ("$", "kr", "¥"); None for a bare number or no amount."""
    if not isinstance(text, str) or _parts(text) is None:
        return None
    found = _MARK.search(text)
    if found is None:
        return None
    return currency_name(found[0])


def currency_name(mark) -> str | None:
    """The currency a sign, code or Currency cell names, spelled as totals show it: "€" ->
    "EUR", "usd" -> "USD", "$" and "kr" as written (several currencies use them); None when
    blank."""
    mark = str(mark).strip() if mark is not None else ""
    if not mark:
        return None
    return SIGNS.get(mark.lower(), SIGNS.get(mark, mark.upper() if len(mark) == 3
                                             and mark.isalpha() else mark))


def decimal_proof(text: str) -> str | None:
    """COMMA or POINT when `text` shows which separator is the decimal one, "both" when
    either could be (one separator before exactly three digits), None when it has none."""
    parts = _parts(text)
    if parts is None:
        return None
    digits = parts[1]
    commas, points = digits.count(","), digits.count(".")
    if commas and points:
        return COMMA if digits.rfind(",") > digits.rfind(".") else POINT
    if commas + points == 0:
        return None
    mark = "," if commas else "."
    if commas + points > 1:  # "1.234.567": that mark groups thousands
        return POINT if mark == "," else COMMA
    return "both" if len(digits.split(mark)[1]) == 3 else (COMMA if commas else POINT)


def read_amount(text: str, decimal: str | None) -> float | None:
    """The number a text amount names, with `decimal` the column's decimal mark (None: a
    lone comma before three digits groups thousands, a lone point is decimal, as
    core.model.parse_number reads them); None if it is no amount."""
    parts = _parts(text)
    if parts is None:
        return None
    sign, digits = parts
    proof = decimal_proof(text)
    mark = decimal if proof == "both" else proof
    if mark is None and proof == "both":  # no proof: "2,300" groups thousands, "2.300" is 2.3
        mark = POINT                       # (as parse_number reads them)
    if mark == COMMA:
        digits = digits.replace(".", "").replace(",", ".")
    elif mark == POINT:
        digits = digits.replace(",", "")
    try:
        return float(sign + digits)
    except ValueError:
        return None


def column_separators(key: str, texts: Iterable[tuple[int, str]]) -> Separators:
    """The Separators of one column's distinct text amounts, given as (first row, text)."""
    comma, point, both = [], [], 0
    for row, text in texts:
        proof = decimal_proof(text)
        if proof == COMMA:
            comma.append((row, text))
        elif proof == POINT:
            point.append((row, text))
        elif proof == "both":
            both += 1
    comma.sort()
    point.sort()
    decimal = COMMA if comma and not point else POINT if point and not comma else None
    return Separators(key, decimal, bool(comma and point), tuple(comma[:EXAMPLES]),
                      tuple(point[:EXAMPLES]), both)
