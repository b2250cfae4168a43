"""Numbers typed as text: "$1,488,043.00", "60%", "(1,200)", "12,5", "EUR 2000", "2000 USD"
(a currency code in capitals before or after the number; understand.amounts names it)."""

import re

_MONEY = re.compile(r"^\(?-?(?:[A-Z]{3}\s*)?[\s$€£¥₹]*-?[\d.,\s]+(?:[.,]\d+)?\s*[$€£¥₹]?"
                    r"(?:\s*[A-Z]{3})?\)?$")
_DIGIT = re.compile(r"\d")
_NOT_NUMERAL = re.compile(r"[^\d.,]")


# The usual text amount, "$1,488,043.00" or "1234.5", read without the general steps
_PLAIN_AMOUNT = re.compile(r"\$?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?")


def parse_number(value) -> float | None:
    """A number from a numeric cell or text like "$1,488,043.00", "60%" (60) or "(1,200)";
    None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    plain = _PLAIN_AMOUNT.fullmatch(value) if isinstance(value, str) else None
    if plain:
        return float(plain[1].replace(",", "") + (plain[2] or ""))
    return _text_number(str(value))


def _text_number(text: str) -> float | None:
    text = text.strip().replace("\u00a0", " ")
    text = text.rstrip("%").strip()
    if not _MONEY.match(text) or not _DIGIT.search(text):
        return None
    negative = text.startswith("(") or "-" in text
    digits = _NOT_NUMERAL.sub("", text)
    if "," in digits and "." in digits:
        digits = digits.replace(",", "") if digits.rfind(".") > digits.rfind(",") else \
            digits.replace(".", "").replace(",", ".")
    elif digits.count(",") == 1 and len(digits.split(",")[1]) != 3:
        digits = digits.replace(",", ".")  # decimal comma: "12,5"
    else:
        digits = digits.replace(",", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    return -number if negative else number
