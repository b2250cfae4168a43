"""Reading numbers from cells (model.parse_number)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsales.core.numbers import _text_number
from sheetsales.core.model import parse_number


@pytest.mark.parametrize("text, number", [
    ("$1,488,043.00", 1488043.0), ("1234.5", 1234.5), ("0,500", 500.0), ("12,5", 12.5),
    ("(1,200)", -1200.0), ("60%", 60.0), ("1.234,56", 1234.56), ("€ 99", 99.0),
    ("-$3", -3.0), ("$1,234.", 1234.0), ("abc", None), ("", None), ("1,2,3", 123.0),
    ("EUR 2000", 2000.0), ("2000 EUR", 2000.0), ("USD 1,200.50", 1200.5), ("USD2000", 2000.0),
    ("(GBP 1,200)", -1200.0), ("1.234,56 EUR", 1234.56), ("eur 200", None), ("ABC", None),
    ("EURO 100", None)])
def test_text_amounts(text, number):
    assert parse_number(text) == number


amounts = st.builds(
    lambda dollar, whole, commas, cents: (
        ("$" if dollar else "") + (f"{whole:,}" if commas else str(whole))
        + (f".{cents}" if cents is not None else "")),
    st.booleans(), st.integers(0, 10**13), st.booleans(),
    st.none() | st.integers(0, 999).map(str))


@given(amounts)
def test_the_usual_amounts_read_as_the_general_rules_read_them(text):
    """parse_number reads "$1,488,043.00"-style text without the general steps; it must
    come out exactly as those steps would read it."""
    assert parse_number(text) == _text_number(text)
