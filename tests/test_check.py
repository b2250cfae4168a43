"""Which rows of a deals sheet are deals (check.read_deals)."""

import datetime as dt

from sheetsales import Config, check
from sheetsales.sources import MemoryGrid

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Email", "Amount", "Notes"]


def deal_rows(*rows) -> list[int]:
    report = check(MemoryGrid({"Deals": [HEADER, *rows]}), Config(), dt.date(2026, 11, 27))
    return [deal.row for deal in report.deals]


def test_rows_with_no_identity_cell_are_not_deals():
    """Blank cells (None, "", whitespace of any kind) in every identity column, or only an
    amount or a note, as in a totals row or a remark under the table."""
    assert deal_rows(
        ["D1", "Acme", "Ana", "Lead", "", 100, ""],
        [None, "", "   ", "\t", "\u00a0", 5000, "total"],
        ["", None, "", "", None, None, "remark"],
        [],
    ) == [2]


def test_any_filled_identity_cell_makes_a_deal():
    assert deal_rows(
        [0, None, None, None, None, None, None],  # a numeric Deal ID, even 0
        ["", "", "", "", "ana@example.com", None, None],  # only an e-mail
        ["  ", "", " Bo ", "", "", None, None],  # an owner with spaces around
        [None, None, None, "Won"],  # a short row
    ) == [2, 3, 4, 5]
