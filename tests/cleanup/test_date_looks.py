"""`clean dates --apply` on a workbook (issue 14 item 7): a cleaned text date becomes a real
date cell in its column's own date format (that of the column's real date cells), read back
by openpyxl and LibreOffice; a column with none gets yyyy-mm-dd; undo restores the file."""

import datetime as dt

import openpyxl
import pytest
import xlsxwriter

from helpers import run_cli

HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Created", "Expected close"]


def workbook(path, created_format="dd/mm/yyyy"):
    """Created: real dates in `created_format` and two text dates; Expected close: text
    dates only (no format of its own)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    shown = book.add_format({"num_format": created_format})
    sheet.write_row(0, 0, HEADERS)
    rows = [("D-1", dt.date(2026, 10, 20), "2026-12-01"), ("D-2", "21/10/2026", "03/12/2026"),
            ("D-3", dt.date(2026, 10, 22), None), ("D-4", "23 Oct 2026", None)]
    for r, (deal, created, close) in enumerate(rows, 1):
        sheet.write_row(r, 0, [deal, f"Co {r}", "Ann", "Lead"])
        if isinstance(created, dt.date):
            sheet.write_datetime(r, 4, dt.datetime.combine(created, dt.time()), shown)
        else:
            sheet.write_string(r, 4, created)
        if close:
            sheet.write_string(r, 5, close)
    book.close()
    return path


@pytest.mark.parametrize("created_format", ["dd/mm/yyyy", "d mmm yyyy"])
def test_cleaned_dates_take_the_columns_own_format(tmp_path, created_format):
    path = workbook(tmp_path / "deals.xlsx", created_format)
    before = path.read_bytes()
    run_cli(["clean", "dates", path, "--apply"], 0, stdout="Wrote")
    sheet = openpyxl.load_workbook(path)["Deals"]
    for ref, day in (("E3", dt.date(2026, 10, 21)), ("E5", dt.date(2026, 10, 23))):
        cell = sheet[ref]
        assert cell.is_date and cell.value.date() == day, (ref, cell.value)
        assert cell.number_format == created_format, (ref, cell.number_format)
    close = sheet["F2"]  # a column with no date cells of its own: the ISO default
    assert close.is_date and close.number_format == "yyyy-mm-dd"
    assert sheet["E2"].number_format == created_format  # the user's own cells untouched
    run_cli(["undo", path], 0)
    assert path.read_bytes() == before


def test_libreoffice_shows_the_cleaned_dates_in_the_columns_format(tmp_path):
    from libreoffice import read_csv, to_csv

    path = workbook(tmp_path / "deals.xlsx")
    run_cli(["clean", "dates", path, "--apply"], 0, stdout="Wrote")
    shown = read_csv(to_csv([path], tmp_path), "deals", "Deals")
    assert [row[4] for row in shown[1:5]] == ["20/10/2026", "21/10/2026", "22/10/2026",
                                              "23/10/2026"]
    assert shown[1][5] == "2026-12-01"


def text_only(path, dates):
    """Created holds text dates only, as typed (no real date cell to take a format from)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    sheet.write_row(0, 0, HEADERS[:5])
    for r, text in enumerate(dates, 1):
        sheet.write_row(r, 0, [f"D-{r}", f"Co {r}", "Ann", "Lead"])
        sheet.write_string(r, 4, text)
    book.close()
    return path


@pytest.mark.parametrize("dates, shown", [
    (["20/10/2016", "03/11/2016", "25/12/2016"], "dd/mm/yyyy"),
    (["20.10.2016", "03.11.2016", "5.12.2016"], "dd.mm.yyyy"),
    (["10/20/2016", "11/03/2016"], "mm/dd/yyyy"),
])
def test_a_column_of_text_dates_only_keeps_the_texts_own_format(tmp_path, dates, shown):
    path = text_only(tmp_path / "deals.xlsx", dates)
    before = path.read_bytes()
    run_cli(["clean", "dates", path, "--apply"], 0, stdout="Wrote")
    cells = [row[0] for row in openpyxl.load_workbook(path)["Deals"].iter_rows(
        min_row=2, min_col=5, max_col=5)]
    assert all(c.is_date and c.number_format == shown for c in cells), \
        [(c.value, c.number_format) for c in cells]
    assert cells[0].value.date() == dt.date(2016, 10, 20)
    run_cli(["undo", path], 0)
    assert path.read_bytes() == before


def test_libreoffice_shows_text_only_dates_cleaned_as_they_were_typed(tmp_path):
    from libreoffice import read_csv, to_csv

    path = text_only(tmp_path / "deals.xlsx", ["20.10.2016", "03.11.2016", "5.12.2016"])
    run_cli(["clean", "dates", path, "--apply"], 0, stdout="Wrote")
    shown = read_csv(to_csv([path], tmp_path), "deals", "Deals")
    assert [row[4] for row in shown[1:]] == ["20.10.2016", "03.11.2016", "05.12.2016"]


def test_clean_dates_refuses_a_column_mixing_epochs_and_dates(tmp_path):
    """Issue 23's bad input, as `check` refuses it: cleaning either kind would be a guess."""
    path = tmp_path / "export.csv"
    path.write_text("Deal ID,Company,Owner,Stage,Created\n"
                    "D-1,Acme,Ana,Lead,1695741300000\n"
                    "D-2,Beta,Bo,Lead,20/09/2023\n", encoding="utf-8")
    before = path.read_bytes()
    result = run_cli(["clean", "dates", path, "--apply"], 2,
                     stderr="column 'Created' mixes epoch timestamps (1 cell such as E2: "
                            "1695741300000, epoch milliseconds) with text dates (such as "
                            "E3: 20/09/2023)")
    assert len(result.stderr.strip().splitlines()) == 1 and path.read_bytes() == before
