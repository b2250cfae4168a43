"""Stage and header text matching (stages.normalize)."""

import re

from hypothesis import given
from hypothesis import strategies as st

from sheetsales.core.stages import normalize


def test_spacing_case_and_punctuation_do_not_count():
    assert normalize("Closed-Won ") == normalize("closed won") == "closedwon"
    assert normalize("4 - Negotiation") == "4negotiation"
    assert normalize("Zoë") == "zo"  # only a-z and 0-9 are kept


@given(st.text() | st.from_regex(r"[A-Za-z0-9 ]{0,20}", fullmatch=True))
def test_the_quick_path_for_plain_names_agrees_with_the_pattern(text):
    """Names of ASCII letters, digits and spaces skip the pattern; any text comes out as
    the pattern alone makes it."""
    assert normalize(text) == re.sub(r"[^a-z0-9]+", "", text.lower())
