"""Which rows of a deals sheet are deals (check.read_deals)."""

import datetime as dt

import pytest

from helpers import run_cli, write_deals
from sheetsales import Config, check
from sheetsales.core.errors import SourceError
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
    contact as BigQuery/Salesforce timestamps, and a column mixing an epoch with text that
    is no date, whose epoch is not guessed."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Deal ID,Company,Owner,Stage,Created,Last contact,Proposal sent\n"
        "D-1,Acme,Ana,Lead,1695741300000,2023-09-26 15:15:00.000000 UTC,\n"
        "D-2,Beta,Bo,Lead,1695800000000,2023-09-26T23:30:00-05:00,\n"
        "D-3,Gamma,Cy,Proposal,,,1695741300000\n"
        "D-4,Delta,Di,Proposal,1695741300000,,soon\n", encoding="utf-8")
    report = check(path, Config(), today=dt.date(2023, 10, 1))
    values = {d.deal_id: d.values for d in report.deals}
    assert values["D-1"]["created"] == dt.date(2023, 9, 26)
    assert values["D-2"]["created"] == dt.date(2023, 9, 27)
    assert values["D-1"]["last_contact"] == dt.date(2023, 9, 26)
    assert values["D-2"]["last_contact"] == dt.date(2023, 9, 27)  # 04:30 UTC next day
    not_dates = [f for f in report.findings if f.code == "DAT001"]
    assert [(f.deal_id, f.column) for f in not_dates] == [("D-3", "Proposal sent"),
                                                          ("D-4", "Proposal sent")]
    assert "epoch milliseconds" in not_dates[0].message


MIXED = ("Deal ID,Company,Owner,Stage,Created,Proposal sent\n"
         "D-1,Acme,Ana,Proposal,2023-09-01,1695741300000\n"
         "D-2,Beta,Bo,Proposal,2023-09-01,1695800000\n"
         "D-3,Gamma,Cy,Proposal,2023-09-01,2023-09-20\n")


def test_a_column_mixing_epochs_and_text_dates_is_refused(tmp_path):
    """Issue 23's bad input: either reading would be a guess, so no date of it is read."""
    path = tmp_path / "export.csv"
    path.write_text(MIXED, encoding="utf-8")
    with pytest.raises(SourceError) as refused:
        check(path, Config(), today=dt.date(2023, 10, 1))
    assert str(refused.value) == (
        "the sheet 'export' column 'Proposal sent' mixes epoch timestamps (2 cells such as "
        "F2: 1695741300000, epoch milliseconds) with text dates (such as F4: "
        "2023-09-20), so no date in it can be read safely; export the column in one form "
        "(all dates, or all epoch numbers), or map another column in [columns]")


def test_a_workbook_column_mixing_epochs_and_text_dates_is_refused_by_run(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [
        ["D-1", "Acme", "Ana", "Proposal", 100, None, None, 1695741300],
        ["D-2", "Beta", "Bo", "Proposal", 100, None, None, "20 Sep 2023"],
        ["D-3", "Gamma", "Cy", "Proposal", 100, None, None, dt.date(2023, 9, 20)]])
    before = path.read_bytes()
    result = run_cli(["run", path, "--today", "2023-10-01"], 2,
                     stderr="column 'Proposal sent' mixes epoch timestamps (1 cell such as "
                            "H2: 1695741300, epoch seconds) with text dates (such as H3: "
                            "20 Sep 2023)")
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_epochs_beside_real_date_cells_stay_findings():
    """A date cell is no guess: the epoch beside it is DAT001, its note says why."""
    report = check(MemoryGrid({"Deals": [
        ["Deal ID", "Company", "Owner", "Stage", "Proposal sent"],
        ["D-1", "Acme", "Ana", "Proposal", 1695741300],
        ["D-2", "Beta", "Bo", "Proposal", dt.date(2023, 9, 20)]]}), Config(),
        dt.date(2023, 10, 1))
    [finding] = [f for f in report.findings if f.code == "DAT001"]
    assert finding.deal_id == "D-1" and "epoch seconds" in finding.message
