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


def test_api_export_dates_epoch_milliseconds_and_utc_timestamps(tmp_path):
    """An API export: Created in epoch milliseconds (the whole column proves it), Last
    contact as BigQuery/Salesforce timestamps, and a column mixing an epoch with text
    dates, whose epoch is not guessed."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Deal ID,Company,Owner,Stage,Created,Last contact,Proposal sent\n"
        "D-1,Acme,Ana,Lead,1695741300000,2023-09-26 15:15:00.000000 UTC,\n"
        "D-2,Beta,Bo,Lead,1695800000000,2023-09-26T23:30:00-05:00,\n"
        "D-3,Gamma,Cy,Proposal,,,1695741300000\n"
        "D-4,Delta,Di,Proposal,1695741300000,,2023-09-20\n", encoding="utf-8")
    report = check(path, Config(), today=dt.date(2023, 10, 1))
    values = {d.deal_id: d.values for d in report.deals}
    assert values["D-1"]["created"] == dt.date(2023, 9, 26)
    assert values["D-2"]["created"] == dt.date(2023, 9, 27)
    assert values["D-1"]["last_contact"] == dt.date(2023, 9, 26)
    assert values["D-2"]["last_contact"] == dt.date(2023, 9, 27)  # 04:30 UTC next day
    not_dates = [f for f in report.findings if f.code == "DAT001"]
    assert [(f.deal_id, f.column) for f in not_dates] == [("D-3", "Proposal sent")]
    assert "epoch milliseconds" in not_dates[0].message
