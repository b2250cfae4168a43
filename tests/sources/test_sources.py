"""Reading real workbooks and CSV files built in tmp_path."""

import datetime as dt

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsales import check
from sheetsales.core.config import Config, build_config
from sheetsales.core.errors import SourceError
from sheetsales.sources import open_grid

TODAY = dt.date(2026, 11, 27)


def deals_by_id(report):
    return {d.deal_id: d for d in report.deals}


def test_xlsxwriter_workbook_with_everything(tmp_path):
    """Title rows, a table right of column A, aliased headers, text dates of every form,
    formulas with cached values, date-times, a blank row in the middle, a Products sheet."""
    path = tmp_path / "pipeline.xlsx"
    book = xlsxwriter.Workbook(path)
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet("Dashboard")
    sheet.write("A1", "Sales dashboard")
    sheet.write("A2", "Updated weekly")
    headers = ["Opportunity ID", "Customer Name", "Sales Rep", "Product", "Pipeline Stage",
               "Opportunity Value", "Engage Date", "First contact", "Won on", "Delivery due",
               "Close Date"]
    rows = [
        ["OP-1", "Acme", "Ana", "Widget", "4 - Negotiation", "$1,488,043.00",
         dt.datetime(2026, 10, 1, 9, 30), "4 Oct 2026", None, None, dt.date(2026, 12, 31)],
        ["OP-2", "Beta", "Bo", "Widget", "06-Closed Won", "=1000*2", dt.date(2026, 9, 1),
         "2026-09-02", dt.date(2026, 10, 1), "13/10/2026", None],
        [None] * 11,
        ["OP-3", "Gamma", "Cy", "Gizmo", "1 - Lead", 500, "09/10/2026", None, None, None, None],
    ]
    sheet.add_table(6, 3, 6 + len(rows), 3 + len(headers) - 1,
                    {"columns": [{"header": h} for h in headers], "autofilter": False})
    for r, row in enumerate(rows, start=7):
        for c, value in enumerate(row, start=3):
            if isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value, None, 2000)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp_fmt)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif value is not None:
                sheet.write(r, c, value)
    products = book.add_worksheet("Products")
    products.write_row(0, 0, ["Product", "Price", "Lead time days"])
    products.write_row(1, 0, ["Widget", 100, 10])
    book.close()

    report = check(path, Config(), TODAY)
    assert (report.sheet.title, report.sheet.header_row) == ("Dashboard", 7)
    deals = deals_by_id(report)
    assert list(deals) == ["OP-1", "OP-2", "OP-3"]
    assert [d.row for d in report.deals] == [8, 9, 11]
    op1, op2, op3 = deals["OP-1"], deals["OP-2"], deals["OP-3"]
    assert op1.stage.key == "proposal" and op1.get("amount") == 1488043.0
    assert op1.get("created") == dt.date(2026, 10, 1)
    assert op1.get("first_contact") == dt.date(2026, 10, 4)
    assert op1.get("expected_close") == dt.date(2026, 12, 31)
    assert op2.stage.key == "won" and op2.get("amount") == 2000
    assert op2.get("delivery_due") == dt.date(2026, 10, 13)
    # 09/10/2026 could be either, but "Delivery due" 13/10/2026 proves the sheet day first
    assert op3.stage.key == "lead" and op3.get("created") == dt.date(2026, 10, 9)
    assert report.sheet.evidence["dates"]["created"].how == "from the sheet's other date columns"
    assert report.sheet.products["widget"]["lead_time_days"] == 10
    codes = {(f.deal_id, f.code) for f in report.findings}
    assert ("OP-3", "PRD001") in codes and ("OP-3", "DAT004") not in codes
    assert ("OP-2", "DUE001") in codes
    cells = {f.cell for f in report.findings if f.code == "DUE001"}
    assert cells == {"Dashboard!M9"}


def test_1904_date_system(tmp_path):
    path = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(path, {"date_1904": True})
    sheet = book.add_worksheet("Deals")
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Deal ID", "Company", "Owner", "Stage", "Created"])
    sheet.write_row(1, 0, ["D-1", "Acme", "Ana", "Lead"])
    sheet.write_datetime(1, 4, dt.datetime(2026, 11, 20), fmt)
    book.close()
    report = check(path, Config(), TODAY)
    assert report.deals[0].get("created") == dt.date(2026, 11, 20)


def test_openpyxl_formula_without_cached_value_reads_as_empty(tmp_path):
    path = tmp_path / "f.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(["Deal ID", "Company", "Owner", "Stage", "Amount"])
    sheet.append(["D-1", "Acme", "Ana", "Lead", "=1+1"])
    book.save(path)
    report = check(path, Config(), TODAY)
    assert not report.deals[0].filled("amount")


def test_deals_sheet_found_by_name_then_by_header(tmp_path):
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Company", "Owner", "Stage"])  # a header, but not the Deals sheet
    deals = book.create_sheet("Opportunities")
    deals.append(["Deal ID", "Company", "Owner", "Stage"])
    deals.append(["D-1", "Acme", "Ana", "Lead"])
    book.save(path)
    assert check(path, Config(), TODAY).sheet.title == "Opportunities"
    named = build_config({"source": {"sheet": "notes"}})
    assert check(path, named, TODAY).sheet.title == "Notes"


def test_configured_header_row(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("Deal ID,Company,Owner,Stage\nX,Y,Z,Lead\nDeal ID,Company,Owner,Stage\n"
                    "D-1,Acme,Ana,Lead\n", encoding="utf-8")
    report = check(path, build_config({"source": {"header_row": 3}}), TODAY)
    assert [d.deal_id for d in report.deals] == ["D-1"]


def test_csv_with_preamble_bom_and_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    text = ("sep=;\nExported from SharePoint 2026-11-27\n"
            "Lead ID;Client;Salesperson;Deal Stage;Deal Value;Created Date\n"
            "7;Acme;Ana;Qualified;\"1.234,50\";03/04/2026\n;;;;;\n8;Beta;Bo;closed lost;10;2026-01-05\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = check(path, build_config({"rules": {"date_order": "DMY"}}), TODAY)
    assert report.sheet.header_row == 3
    seven, eight = report.deals
    assert (seven.deal_id, seven.stage.key, seven.get("amount")) == ("7", "discovery", 1234.5)
    assert seven.get("created") == dt.date(2026, 4, 3)
    assert (eight.row, eight.stage.key) == (6, "lost")


def test_csv_in_windows_1252(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("Deal ID,Company,Owner,Stage\nD-1,Société Générale,Chloé,Lead\n".encode("cp1252"))
    report = check(path, Config(), TODAY)
    assert report.deals[0].get("company") == "Société Générale"


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600


@pytest.mark.parametrize("content,message", [
    (None, "not found"),
    ("folder", "is a folder"),
    (b"hello", r"is not an Excel workbook \(it is not a zip"),
    (OLE, "legacy Excel 97-2003 .xls"),
    (OLE + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
])
def test_bad_sources(tmp_path, content, message):
    path = tmp_path / "deals.xlsx"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        open_grid(path)


def test_legacy_xls_extension(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(OLE)
    with pytest.raises(SourceError, match="save it as .xlsx"):
        open_grid(path)


def test_no_header_and_unknown_sheet(tmp_path):
    path = tmp_path / "blank.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name", "Phone"])
    book.save(path)
    with pytest.raises(SourceError, match="no header row found in any sheet"):
        check(path, Config(), TODAY)
    with pytest.raises(SourceError, match="has no sheet named 'Deals'; its sheets are 'Sheet'"):
        check(path, build_config({"source": {"sheet": "Deals"}}), TODAY)


def test_repeated_values_are_shared_but_keep_their_types():
    """A big sheet repeats owners, stages and dates on every row: typed deals share one object
    per distinct value, and a value that equals a cached one of another type (1.0 == True)
    keeps its own type and its own findings."""
    from sheetsales.sources.memory import MemoryGrid
    header = ["Deal ID", "Company", "Owner", "Stage", "Created", "Amount"]
    rows = [header,
            ["D-1", "Acme", "Ana", "Lead", dt.date(2026, 11, 1), 100.0],
            ["D-2", "Beta", "Ana ", "Lead", dt.date(2026, 11, 1), 100.0],
            ["D-3", "Gamma", 1.0, "Lead", True, 1.0],
            ["D-4", "Delta", True, "Lead", "2026-11-01", "100"]]
    report = check(MemoryGrid({"Deals": rows}), Config(), TODAY)
    deals = deals_by_id(report)
    first, second = deals["D-1"].values, deals["D-2"].values
    assert first["owner"] is second["owner"] == "Ana"
    assert first["created"] is second["created"] == dt.date(2026, 11, 1)
    assert deals["D-3"].values["owner"] == "1" and deals["D-4"].values["owner"] == "True"
    assert "created" in deals["D-3"].invalid and "created" not in deals["D-3"].values
    assert deals["D-4"].values["created"] == dt.date(2026, 11, 1)
    assert deals["D-4"].values["amount"] == 100.0 and deals["D-4"].original("amount") == "100"


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 1_048_576), st.integers(1, 1_048_576), st.integers(1, 16_384),
       st.integers(1, 16_384))
def test_span_scan_matches_every_row_and_column_beyond_the_last_seen(seen, row, col_seen, col):
    """The scan that bounds a sheet's span before calamine reads it looks only for cells
    beyond the deepest row and widest column seen so far; it must never miss one."""
    from sheetsales.core.cells import column_letters
    from sheetsales.sources.xlsx.reader import _beyond

    pattern = _beyond(col_seen, seen)
    cell = f'<c r="{column_letters(col)}{row}"><v>1</v></c>'.encode()
    found = pattern.findall(cell)
    if col > max(col_seen, 26) or row > max(seen, 99_999):
        assert found and max(int(r) for _, w, d in found for r in (w, d) if r) == row


def test_a_released_sheet_reads_again_and_keeps_its_extent(tmp_path):
    """Once the deals are typed, check lets go of calamine's copy of the sheet (most of a
    big check's memory); the grid still knows the sheet's extent, and reads it again when
    asked."""
    path = tmp_path / "deals.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Deals")
    sheet.write_row(1, 1, ["Deal ID", "Company", "Owner", "Stage"])
    sheet.write_row(2, 1, ["D-1", "Acme", "Ana", "Lead"])
    book.close()
    grid = open_grid(path)
    first = list(grid.rows("Deals"))
    width, height = grid.used_width("Deals"), grid.row_count("Deals")
    grid.release("Deals")
    assert "Deals" not in grid._sheets
    assert (grid.used_width("Deals"), grid.row_count("Deals")) == (width, height)
    assert width == 5
    assert "Deals" not in grid._sheets, "the extent is kept, not read again"
    assert list(grid.rows("Deals")) == first
    assert check(path, Config(), TODAY).deals[0].values["owner"] == "Ana"


def test_tabs_inside_quoted_cells_do_not_outvote_the_headers_commas(tmp_path):
    """Found by the formula-guard property: two quoted cells holding tabs made the sniffer
    read a comma-separated file as tab-separated, so no header was found."""
    path = tmp_path / "deals.csv"
    path.write_bytes(b'Deal ID,Company,Owner,Stage\r\n"\r\t",,, lead \r\n,,,"\t\r"\r\n')
    rows = list(open_grid(path).rows("deals"))
    assert rows[0][1] == ["Deal ID", "Company", "Owner", "Stage"]
