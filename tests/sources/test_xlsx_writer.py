"""The surgical .xlsx writer on real workbooks built in tmp_path (xlsxwriter, openpyxl, and
hand-edited XML), read back with python-calamine."""

import datetime as dt
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel
from python_calamine import CalamineWorkbook

from sheetsales.core.errors import SourceError, WriteConflict
from sheetsales.sources.xlsx import zipout
from sheetsales.sources.xlsx.cells import serial
from sheetsales.sources.xlsx.writer import WriteResult, write_xlsx

SHEET1 = "xl/worksheets/sheet1.xml"
FIXTURE_HEALTH = HealthCheck.function_scoped_fixture
ALLOWED_TO_CHANGE = {SHEET1, "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                     "[Content_Types].xml", "xl/styles.xml"}


# -- helpers (also used by test_xlsx_writer_corpus.py) -------------------------------------
def raw_entries(path) -> dict[str, tuple[int, int, bytes]]:
    """name -> (method, CRC, compressed bytes) read from the local headers, in zip order."""
    entries = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            header = f.read(30)
            assert header[:4] == b"PK\x03\x04"
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            f.seek(name_len + extra_len, 1)
            entries[info.filename] = (info.compress_type, info.CRC, f.read(info.compress_size))
    return entries


def part(path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def replace_part(path, name: str, data: bytes):
    """Rewrite one part of a test workbook, to hand-craft unusual XML."""
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, content in items:
            z.writestr(info, data if info.filename == name else content)


def grid(path, sheet: str) -> list[list]:
    """A sheet's values from A1, read by python-calamine."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
        skip_empty_area=False)


def value(path, sheet: str, ref: str):
    """One cell's value read by python-calamine ('' when empty)."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    rows, row = grid(path, sheet), int(m[2]) - 1
    return rows[row][col - 1] if row < len(rows) and col - 1 < len(rows[row]) else ""


_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?/>|<(?:\w+:)?row\b.*?</(?:\w+:)?row>", re.S)
_ROW_NUMBER = re.compile(rb"""<(?:\w+:)?row\b[^>]*?\sr=["'](\d+)["']""")
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\sref=")[^"]*"')


def split_sheet(xml: bytes) -> tuple[bytes, dict[int, bytes], bytes]:
    """(bytes before <sheetData> with the dimension ref blanked, each row's exact bytes by
    row number, bytes after </sheetData>)."""
    opened = re.search(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if opened[1]:
        body, tail = b"", xml[opened.end():]
    else:
        closed = re.compile(rb"</(?:\w+:)?sheetData>").search(xml, opened.end())
        body, tail = xml[opened.end():closed.start()], xml[closed.end():]
    rows, previous = {}, 0
    for m in _ROW.finditer(body):
        number = _ROW_NUMBER.match(m[0])
        previous = int(number[1]) if number else previous + 1
        rows[previous] = m[0]
    return _DIMENSION.sub(rb'\1"', xml[:opened.start()]), rows, tail


def without_cells(row: bytes, refs) -> bytes:
    """A row's bytes without the given cells, `spans` blanked and an empty row self-closed."""
    for ref in refs:
        row = re.sub(rb'<(?:\w+:)?c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)',
                     b"", row, flags=re.S)
    row = re.sub(rb'\sspans="[^"]*"', b"", row)
    return re.sub(rb"^(<(?:\w+:)?row\b[^>]*?)>\s*</(?:\w+:)?row>$", rb"\1/>", row)


def deals_workbook(path: Path, rows: int = 5, **options) -> Path:
    """A small deals sheet: header row, then rows of text, numbers and dates."""
    wb = xlsxwriter.Workbook(path, options)
    ws = wb.add_worksheet("Deals")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["Deal ID", "Company", "Owner", "Amount", "Created"], bold)
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"D{r}", "Acme", "Ann", 100 * r])
        ws.write_datetime(r, 4, dt.datetime(2026, 1, r % 28 + 1), date)
    wb.add_worksheet("Notes").write("A1", "keep me")
    wb.close()
    return path


@pytest.fixture
def deals(tmp_path) -> Path:
    return deals_workbook(tmp_path / "deals.xlsx")


def assert_untouched_except(before: dict, after_path, changed=ALLOWED_TO_CHANGE):
    after = raw_entries(after_path)
    originals = [name for name in after if name in before]
    assert originals == list(before), "original entries keep their order"
    for name, entry in before.items():
        if name not in changed:
            assert after[name] == entry, f"{name} was not copied raw"


# -- values ---------------------------------------------------------------------------------------
def test_values_are_written_with_their_types(deals):
    cells = {("Deals", "F1"): "Status", ("Deals", "F2"): '=HYPERLINK("http://x","y")',
             ("Deals", "G2"): 42, ("Deals", "H2"): 2.5, ("Deals", "I2"): True,
             ("Deals", "J2"): False, ("Deals", "K2"): dt.date(2026, 3, 4),
             ("Deals", "L2"): dt.datetime(2026, 3, 4, 13, 30), ("Deals", "M2"): "  padded  "}
    result = write_xlsx(deals, cells)
    assert result == WriteResult(deals, cells_written=9, styles_added=2, rewritten=True)
    row = grid(deals, "Deals")[1]
    assert row[5:13] == ['=HYPERLINK("http://x","y")', 42, 2.5, True, False,
                         dt.date(2026, 3, 4), dt.datetime(2026, 3, 4, 13, 30), "  padded  "]
    xml = part(deals, SHEET1)
    assert b"<f>" not in xml and b"<f " not in xml, "text that looks like a formula stays text"
    assert b'<c r="F2" t="inlineStr"><is><t>=HYPERLINK("http://x","y")</t></is></c>' in xml
    assert b'<t xml:space="preserve">  padded  </t>' in xml
    assert b'<c r="I2" t="b"><v>1</v></c>' in xml
    assert openpyxl.load_workbook(deals)["Deals"]["F2"].data_type == "s"


def test_repeated_values_keep_each_cells_own_style_and_type(deals):
    """Cell endings are made once per (type, value, style): the same value over a bold
    header cell, a date-formatted cell and a plain cell, and values that compare equal
    across types (1, 1.0, True), each come out as their own cell."""
    cells = {("Deals", "A1"): "Same", ("Deals", "B2"): "Same", ("Deals", "F2"): "Same",
             ("Deals", "E2"): dt.date(2026, 5, 1), ("Deals", "G2"): dt.date(2026, 5, 1),
             ("Deals", "H2"): 1, ("Deals", "I2"): 1.0, ("Deals", "J2"): True}
    write_xlsx(deals, cells)
    xml = part(deals, SHEET1)
    bold = re.search(rb'<c r="A1" s="(\d+)" t="inlineStr"><is><t>Same</t></is></c>', xml)
    assert bold and bold[1] != b"0"
    assert b'<c r="B2" t="inlineStr"><is><t>Same</t></is></c>' in xml
    assert b'<c r="F2" t="inlineStr"><is><t>Same</t></is></c>' in xml
    assert grid(deals, "Deals")[1][4:10] == [dt.date(2026, 5, 1), "Same", dt.date(2026, 5, 1),
                                             1, 1.0, True]
    assert b'<c r="J2" t="b"><v>1</v></c>' in xml and b'<c r="I2"><v>1.0</v></c>' in xml


def test_text_with_characters_xml_cannot_carry_is_escaped_losslessly(deals):
    text = "a\x01b\x1fc\rd _x0041_ e\tf\ng <&> \u00e9\u4e2d\U0001f600"
    write_xlsx(deals, {("Deals", "F2"): text})
    assert b"a_x0001_b_x001F_c&#13;d _x005F_x0041_ e" in part(deals, SHEET1)
    assert value(deals, "Deals", "F2") == text


@pytest.mark.parametrize("bad, message", [
    ("x\ud800y", "unpaired surrogate"),
    ("x" * 32768, "32767"),
    (float("nan"), "not a number"),
    (dt.date(1899, 12, 31), "before 1900-01-01"),
    (dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "time zone"),
])
def test_values_excel_cannot_store_are_refused(deals, bad, message):
    before = deals.read_bytes()
    with pytest.raises(WriteConflict, match=message):
        write_xlsx(deals, {("Deals", "F2"): bad})
    assert deals.read_bytes() == before


def test_unsupported_types_and_refs_are_programming_errors(deals):
    with pytest.raises(TypeError, match="Deals!F2: cannot write a list"):
        write_xlsx(deals, {("Deals", "F2"): [1]})
    with pytest.raises(ValueError, match="not a cell reference"):
        write_xlsx(deals, {("Deals", "2F"): 1})
    with pytest.raises(ValueError, match="outside the sheet"):
        write_xlsx(deals, {("Deals", "XFE1"): 1})
    with pytest.raises(ValueError, match="Deals!F2 is given twice"):
        write_xlsx(deals, iter([(("Deals", "F2"), 1), (("Deals", "F2"), 2)]))


def test_cells_may_come_as_pairs_from_any_iterable(deals):
    """run hands over its planned cells as a generator of ((title, ref), value) pairs, so a
    big plan is not copied into a dict first."""
    pairs = ((("Deals", f"F{row}"), f"status {row}") for row in range(1, 4))
    assert write_xlsx(deals, pairs).cells_written == 3
    assert [row[5] for row in grid(deals, "Deals")[:3]] == ["status 1", "status 2", "status 3"]


def test_a_big_rewritten_sheet_spills_beside_the_workbook_and_leaves_nothing(
        deals, monkeypatch, tmp_path):
    """Past SPOOL_IN_MEMORY a rewritten part's compressed bytes go to an unnamed file in the
    workbook's folder, not the system temp folder (which may be memory, or missing)."""
    monkeypatch.setattr(zipout, "SPOOL_IN_MEMORY", 256)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-temp-folder"))
    before = sorted(p.name for p in deals.parent.iterdir())
    cells = {("Deals", f"G{row}"): f"status {row * 7919 % 1000}" for row in range(2, 7)}
    cells.update({("Notes", f"B{row}"): f"note {row}" for row in range(1, 300)})
    assert write_xlsx(deals, cells).cells_written == 5 + 299
    assert sorted(p.name for p in deals.parent.iterdir()) == before
    assert value(deals, "Notes", "B299") == "note 299"


def test_cells_may_be_given_by_row_and_column(deals):
    """run's changes know their row and column, so they are not turned into A1 text and
    parsed back; a position off the sheet is refused like a bad reference."""
    assert write_xlsx(deals, {("Deals", (2, 6)): "by position", ("Deals", "G2"): "by A1"}) \
        .cells_written == 2
    assert grid(deals, "Deals")[1][5:7] == ["by position", "by A1"]
    for off in ((0, 1), (1, 0), (1_048_577, 1), (1, 16_385)):
        with pytest.raises(ValueError, match="lies outside the sheet"):
            write_xlsx(deals, {("Deals", off): "x"})
    with pytest.raises(ValueError, match="Deals!F2 is given twice"):
        write_xlsx(deals, iter([(("Deals", (2, 6)), 1), (("Deals", "F2"), 2)]))


@pytest.mark.parametrize("day, number", [
    (dt.date(1900, 1, 1), 1), (dt.date(1900, 2, 28), 59), (dt.date(1900, 3, 1), 61),
    (dt.date(2026, 3, 4), 46085), (dt.datetime(2026, 3, 4, 12), 46085.5)])
def test_serial_numbers_follow_excel_1900_system(day, number):
    assert serial(day, False, "x") == number


@given(st.datetimes(min_value=dt.datetime(1904, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_serial_numbers_agree_with_openpyxl(moment):
    assert serial(moment, False, "x") == pytest.approx(to_excel(moment), abs=1e-9)
    assert serial(moment, True, "x") == pytest.approx(to_excel(moment, CALENDAR_MAC_1904),
                                                      abs=1e-9)


@pytest.mark.parametrize("date1904", [False, True])
def test_dates_follow_the_workbook_date_system(tmp_path, date1904):
    path = deals_workbook(tmp_path / "d.xlsx", date_1904=date1904)
    write_xlsx(path, {("Deals", "F2"): dt.date(2026, 3, 4)})
    expected = 46085 - 1462 if date1904 else 46085
    assert f'<c r="F2" s="3"><v>{expected}</v></c>'.encode() in part(path, SHEET1)
    assert value(path, "Deals", "F2") == dt.date(2026, 3, 4)
    assert value(path, "Deals", "E2") == dt.date(2026, 1, 2), "existing dates unchanged"


@settings(max_examples=40, deadline=None, suppress_health_check=[FIXTURE_HEALTH])
@given(st.lists(st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(), st.dates(min_value=dt.date(1900, 3, 1))), min_size=1, max_size=6))
def test_written_values_read_back_equal(tmp_path_factory, values):
    path = deals_workbook(tmp_path_factory.mktemp("rt") / "d.xlsx")
    write_xlsx(path, {("Deals", f"F{row}"): v for row, v in enumerate(values, 2)})
    for row, v in enumerate(values, 2):
        got = value(path, "Deals", f"F{row}")
        if v == "":
            assert got == ""
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            assert got == pytest.approx(v)
        else:
            assert got == v


# -- clearing and styles --------------------------------------------------------------------------
def test_clearing_removes_plain_cells_and_keeps_formatting(deals):
    write_xlsx(deals, {("Deals", "B2"): None, ("Deals", "A1"): None, ("Deals", "Z9"): None,
                       ("Deals", "C2"): ""})
    xml = part(deals, SHEET1)
    assert b'r="B2"' not in xml and b'r="C2"' not in xml
    assert b'<c r="A1" s="1"/>' in xml, "the header keeps its bold format, without a value"
    assert b'r="Z9"' not in xml and b'<row r="9"' not in xml
    assert grid(deals, "Deals")[1][:3] == ["D1", "", ""]


def test_existing_styles_are_kept_and_dates_get_an_appended_style(deals):
    styles_before = part(deals, "xl/styles.xml")
    write_xlsx(deals, {("Deals", "A1"): "Renamed", ("Deals", "E3"): dt.date(2026, 5, 6),
                       ("Deals", "F2"): dt.date(2026, 5, 6), ("Deals", "G2"): dt.date(2026, 5, 7)})
    xml = part(deals, SHEET1)
    assert b'<c r="A1" s="1" t="inlineStr">' in xml, "the header keeps its bold style"
    assert b'<c r="E3" s="2">' in xml, "a date column keeps its own date format"
    assert b'<c r="F2" s="3">' in xml and b'<c r="G2" s="3">' in xml
    styles = part(deals, "xl/styles.xml")
    xfs_before = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", styles_before, re.S)[1]
    xfs_after = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", styles, re.S)[1]
    assert xfs_after.startswith(xfs_before), "existing formats unchanged, new ones appended"
    assert xfs_after[len(xfs_before):] == b'<xf numFmtId="165" fontId="0" fillId="0" ' \
        b'borderId="0" xfId="0" applyNumberFormat="1"/>'
    assert b'<cellXfs count="4">' in styles
    assert b'<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>' in styles
    assert value(deals, "Deals", "F2") == dt.date(2026, 5, 6)
    write_xlsx(deals, {("Deals", "H2"): dt.date(2026, 5, 8)})
    assert part(deals, "xl/styles.xml") == styles, "a second run reuses the appended style"


def test_new_cells_take_the_row_or_column_style(tmp_path):
    path = tmp_path / "styled.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Deals")
    fill = wb.add_format({"bg_color": "yellow"})
    ws.set_column("F:F", 12, fill)
    ws.set_row(3, None, wb.add_format({"italic": True}))
    ws.write("A1", "x")
    ws.write("A4", "y")
    wb.close()
    write_xlsx(path, {("Deals", "F1"): "text", ("Deals", "F2"): dt.date(2026, 1, 2),
                      ("Deals", "B4"): "italic row", ("Deals", "G1"): "plain"})
    xml = part(path, SHEET1)
    assert b'<c r="F1" s="1" t="inlineStr">' in xml
    assert b'<c r="F2" s="3">' in xml, "the column's fill, cloned with a date format"
    assert b'<c r="B4" s="2" t="inlineStr">' in xml
    assert b'<c r="G1" t="inlineStr">' in xml
    styles = part(path, "xl/styles.xml")
    clone = re.findall(rb"<xf [^>]*?/>|<xf .*?</xf>", re.search(rb"<cellXfs.*?</cellXfs>",
                                                                styles, re.S)[0], re.S)
    assert clone[3].replace(b' numFmtId="164"', b' numFmtId="0"').replace(
        b' applyNumberFormat="1"', b"") == clone[1].replace(b' applyNumberFormat="1"', b"")


# -- positions ------------------------------------------------------------------------------------
def test_cells_are_inserted_in_column_order_and_rows_in_row_order(tmp_path):
    path = tmp_path / "gaps.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    for ref in ("A1", "C1", "E1", "A3", "A10"):
        ws.write(ref, ref)
    wb.close()
    before = split_sheet(part(path, SHEET1))[1]
    write_xlsx(path, {("S", ref): ref.lower() for ref in ("B1", "D1", "F1", "A2", "B5", "A12")})
    xml = part(path, SHEET1)
    assert re.findall(rb'<c r="([A-Z]+1)"', xml) == [b"A1", b"B1", b"C1", b"D1", b"E1", b"F1"]
    rows = split_sheet(xml)[1]
    assert list(rows) == [1, 2, 3, 5, 10, 12]
    assert rows[3] == before[3] and rows[10] == before[10], "untouched rows keep their bytes"
    assert b'<dimension ref="A1:F12"/>' in xml
    assert b'<row r="1" spans="1:6">' in xml
    assert grid(path, "S")[0] == ["A1", "b1", "C1", "d1", "E1", "f1"]
    assert value(path, "S", "B5") == "b5" and value(path, "S", "A12") == "a12"


def test_a_row_that_leaves_the_fast_path_counts_each_cell_once(tmp_path):
    """A1 is overwritten, then B1 must be inserted between cells: the row is redone on the
    general path, and the cell written before that is not counted again."""
    path = tmp_path / "middle.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    for ref in ("A1", "C1", "E1"):
        ws.write(ref, ref)
    wb.close()
    result = write_xlsx(path, {("S", "A1"): "a1", ("S", "B1"): "b1"})
    assert result.cells_written == 2
    assert grid(path, "S")[0] == ["a1", "b1", "C1", "", "E1"]


def test_rows_and_cells_without_r_attributes(tmp_path):
    path = deals_workbook(tmp_path / "nor.xlsx")
    xml = part(path, SHEET1)
    sheet_data = re.search(rb"<sheetData>.*</sheetData>", xml, re.S)[0]
    bare = b"<sheetData><row><c t=\"inlineStr\"><is><t>a1</t></is></c><c r=\"C1\"><v>3</v></c>" \
        b"<c><v>4</v></c></row><row/><row><c><v>1</v></c><c><v>2</v></c></row></sheetData>"
    replace_part(path, SHEET1, xml.replace(sheet_data, bare))
    write_xlsx(path, {("Deals", "B1"): "b1", ("Deals", "A3"): None, ("Deals", "B3"): "b3",
                      ("Deals", "A2"): "a2", ("Deals", "A4"): "a4"})
    assert grid(path, "Deals")[:4] == [["a1", "b1", 3, 4], ["a2", "", "", ""],
                                       ["", "b3", "", ""], ["a4", "", "", ""]]
    assert re.search(rb"<sheetData>.*</sheetData>", part(path, SHEET1), re.S)[0] == (
        b'<sheetData><row><c t="inlineStr"><is><t>a1</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>b1</t></is></c><c r="C1"><v>3</v></c>'
        b'<c r="D1"><v>4</v></c></row>'  # r added: cells before it moved
        b'<row><c r="A2" t="inlineStr"><is><t>a2</t></is></c></row>'
        b'<row><c r="B3" t="inlineStr"><is><t>b3</t></is></c></row>'
        b'<row r="4"><c r="A4" t="inlineStr"><is><t>a4</t></is></c></row></sheetData>')


def _strip_implied_r(xml: bytes) -> bytes:
    """Drop every `r` that a reader can infer (cell right after its neighbour, row right after
    the previous row), as some generators do."""
    def row(m):
        cells, previous = [], 0
        for c in re.finditer(rb'<c r="([A-Z]+)\d+"', m[0]):
            col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(c[1].decode())))
            cells.append((c, col == previous + 1))
            previous = col
        out = m[0]
        for c, implied in reversed(cells):
            if implied:
                out = out[:c.start()] + b"<c" + out[c.end():]
        return out

    xml = re.sub(rb"<row\b.*?</row>", row, xml, flags=re.S)
    rows = [(m, int(m[1])) for m in re.finditer(rb'<row r="(\d+)"', xml)]
    for i in range(len(rows) - 1, -1, -1):  # from the end, so earlier offsets stay valid
        m, number = rows[i]
        if number == (rows[i - 1][1] if i else 0) + 1:
            xml = xml[:m.start()] + b"<row" + xml[m.end():]
    return xml


@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE_HEALTH])
@given(existing=st.dictionaries(st.tuples(st.integers(1, 6), st.integers(1, 6)),
                                st.integers(1, 99), max_size=20),
       writes=st.dictionaries(st.tuples(st.integers(1, 8), st.integers(1, 8)),
                              st.one_of(st.none(), st.integers(100, 199)), min_size=1, max_size=12),
       implied=st.booleans())
def test_any_writes_land_where_asked(tmp_path_factory, existing, writes, implied):
    path = tmp_path_factory.mktemp("pos") / "p.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    for (r, c), v in existing.items():
        ws.write_number(r - 1, c - 1, v)
    wb.close()
    if implied:
        replace_part(path, SHEET1, _strip_implied_r(part(path, SHEET1)))
    letters = "ABCDEFGH"
    write_xlsx(path, {("S", f"{letters[c - 1]}{r}"): v for (r, c), v in writes.items()})
    expected = dict(existing)
    for key, v in writes.items():
        if v is None:
            expected.pop(key, None)
        else:
            expected[key] = v
    rows = grid(path, "S") if expected else []
    got = {(r + 1, c + 1): v for r, row in enumerate(rows) for c, v in enumerate(row) if v != ""}
    assert got == expected


def test_sheet_with_prefixed_elements(tmp_path):
    path = deals_workbook(tmp_path / "prefixed.xlsx")
    xml = part(path, SHEET1).decode()
    xml = re.sub(r"<(/?)(?!\?)([a-zA-Z]+)", r"<\1x:\2", xml).replace(
        'xmlns="http://schemas', 'xmlns:x="http://schemas')
    replace_part(path, SHEET1, xml.encode())
    write_xlsx(path, {("Deals", "F2"): "status", ("Deals", "A9"): 9})
    assert b'<x:c r="F2" t="inlineStr"><x:is><x:t>status</x:t></x:is></x:c>' in part(path, SHEET1)
    assert value(path, "Deals", "F2") == "status" and value(path, "Deals", "A9") == 9


# -- refusals -------------------------------------------------------------------------------------
@pytest.fixture
def features(tmp_path) -> Path:
    path = tmp_path / "features.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=1+1", None, 2)
    ws.write_array_formula("B1:B3", "{=ROW(A1:A3)}")
    ws.merge_range("D1:E2", "merged")
    ws.add_table("G1:H4", {"columns": [{"header": "a"}, {"header": "b"}]})
    wb.close()
    return path


@pytest.mark.parametrize("ref, message", [
    ("A1", "S!A1 holds a formula"), ("B1", "S!B1 holds a formula"),
    ("B3", r"S!B3 lies inside an array formula's range \(B1:B3\)"),
    ("E2", r"S!E2 is hidden inside the merged range D1:E2; unmerge it or write to D1"),
    ("H4", r"S!H4 lies inside Excel table 'Table1' \(G1:H4\)"),
    ("G1", "inside Excel table"),
])
def test_unsafe_cells_are_refused_and_the_file_is_untouched(features, ref, message):
    before = features.read_bytes()
    with pytest.raises(WriteConflict, match=message):
        write_xlsx(features, {("S", ref): "x", ("S", "Z1"): "fine"})
    assert features.read_bytes() == before
    assert [p.name for p in features.parent.iterdir()] == ["features.xlsx"]


def test_merge_top_left_and_cells_beside_tables_are_fine(features):
    before = raw_entries(features)
    write_xlsx(features, {("S", "D1"): "top-left", ("S", "I1"): "beside", ("S", "G5"): "below"})
    assert grid(features, "S")[0][3] == "top-left"
    assert_untouched_except(before, features)


def test_shared_formulas_are_never_overwritten(tmp_path):
    path = tmp_path / "shared.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.save(path)
    xml = part(path, SHEET1)
    shared = (b'<sheetData><row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">ROW()</f>'
              b'<v>1</v></c></row><row r="2"><c r="A2"><f t="shared" si="0"/><v>2</v></c>'
              b'</row></sheetData>')
    replace_part(path, SHEET1, re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", shared, xml))
    for ref in ("A1", "A2"):
        with pytest.raises(WriteConflict, match="never writes over formulas"):
            write_xlsx(path, {("S", ref): None})
    write_xlsx(path, {("S", "B2"): "next to it"})
    assert shared.replace(b"</row></sheetData>", b"") in part(path, SHEET1)


def test_unknown_sheet_and_chartsheet_are_refused(tmp_path, deals):
    with pytest.raises(WriteConflict, match="no sheet named 'Nope'; its sheets are 'Deals', 'N"):
        write_xlsx(deals, {("Nope", "A1"): 1})
    path = tmp_path / "chart.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Data").write_column("A1", [1, 2, 3])
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Data!$A$1:$A$3"})
    wb.add_chartsheet("Chart").set_chart(chart)
    wb.close()
    with pytest.raises(WriteConflict, match="'Chart' of chart.xlsx is a chartsheet"):
        write_xlsx(path, {("Chart", "A1"): 1})


def _strict(path: Path) -> Path:
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            data = data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                b"http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            z.writestr(info, data)
    return path


@pytest.mark.parametrize("make, error, message", [
    (_strict, WriteConflict, "Strict Open XML"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512) or p,
     SourceError, "password-protected or an old .xls"),
    (lambda p: p.write_text("Deal ID,Company\n") or p, SourceError, "not an .xlsx/.xlsm"),
])
def test_unreadable_or_unsupported_files_are_refused(deals, make, error, message):
    make(deals)
    before = deals.read_bytes()
    with pytest.raises(error, match=message):
        write_xlsx(deals, {("Deals", "F2"): "x"}, {"Reminders": [["x"]]})
    assert deals.read_bytes() == before


def test_a_zip_bomb_part_is_refused_before_inflating(deals):
    xml = part(deals, SHEET1)
    replace_part(deals, SHEET1, xml.replace(b"<sheetData>", b" " * (40 * 2**20) + b"<sheetData>"))
    with pytest.raises(SourceError, match="looks like a zip bomb"):
        write_xlsx(deals, {("Deals", "F2"): "x"})


def test_a_corrupt_sheet_is_refused(deals):
    with zipfile.ZipFile(deals) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(deals, "w", zipfile.ZIP_STORED) as z:
        for name, data in items:
            z.writestr(name, data)
    data = deals.read_bytes()
    deals.write_bytes(data.replace(b"<v>100</v>", b"<v>900</v>"))  # the CRC no longer matches
    before = deals.read_bytes()
    with pytest.raises(SourceError, match=r"xl/worksheets/sheet1.xml is corrupt \(Bad CRC-32"):
        write_xlsx(deals, {("Deals", "F2"): "x"})
    assert deals.read_bytes() == before


def test_dates_need_a_styles_part(deals):
    with zipfile.ZipFile(deals) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist() if i.filename != "xl/styles.xml"]
    with zipfile.ZipFile(deals, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = re.sub(rb"<[^>]*styles[^>]*/>", b"", data)
            z.writestr(name, data)
    write_xlsx(deals, {("Deals", "F2"): "text is fine"})
    with pytest.raises(WriteConflict, match="no styles part, so Deals!F3 cannot show a date"):
        write_xlsx(deals, {("Deals", "F3"): dt.date(2026, 1, 1)})


def test_a_workbook_open_in_excel_or_libreoffice_is_refused(deals):
    for lock in ("~$deals.xlsx", ".~lock.deals.xlsx#"):
        (deals.parent / lock).write_text("me")
        expected = f"open in Excel or LibreOffice \\(lock file {re.escape(lock)}\\)"
        with pytest.raises(WriteConflict, match=expected):
            write_xlsx(deals, {("Deals", "F2"): "x"})
        (deals.parent / lock).unlink()


# -- owned sheets ---------------------------------------------------------------------------------
def test_owned_sheet_is_created_then_replaced(deals):
    before = raw_entries(deals)
    result = write_xlsx(deals, {}, {"Reminders": [["Owner", "Due"], ["Ann", dt.date(2026, 1, 2)],
                                                  ["Bob", None, "x"]]})
    assert result.sheets_created == ("Reminders",) and result.cells_written == 6
    assert CalamineWorkbook.from_path(str(deals)).sheet_names == ["Deals", "Notes", "Reminders"]
    assert grid(deals, "Reminders") == [["Owner", "Due", ""], ["Ann", dt.date(2026, 1, 2), ""],
                                        ["Bob", "", "x"]]
    workbook = part(deals, "xl/workbook.xml")
    assert (b'<definedNames><definedName name="_sheetsales_owned" localSheetId="2" hidden="1">'
            b"'Reminders'!$A$1</definedName></definedNames>") in workbook
    assert b'<sheet name="Reminders" sheetId="3" r:id="rId6"/></sheets>' in workbook
    assert b'Target="worksheets/sheet3.xml"/></Relationships>' in \
        part(deals, "xl/_rels/workbook.xml.rels")
    assert b'<Override PartName="/xl/worksheets/sheet3.xml"' in part(deals, "[Content_Types].xml")
    assert_untouched_except(before, deals)
    assert list(raw_entries(deals))[-1] == "xl/worksheets/sheet3.xml"
    workbook_before_replace = part(deals, "xl/workbook.xml")

    result = write_xlsx(deals, {}, {"reminders": [["Owner"], ["Cy"]]})
    assert result.sheets_replaced == ("Reminders",) and result.sheets_created == ()
    assert grid(deals, "Reminders") == [["Owner"], ["Cy"]]
    assert part(deals, "xl/workbook.xml") == workbook_before_replace
    assert b'<dimension ref="A1:A2"/>' in part(deals, "xl/worksheets/sheet3.xml")


def test_owned_sheet_keeps_a_users_merge_and_column_style(deals, tmp_path):
    """A person merged A1:B1 of the Reminders sheet and bolded column C: a new content that
    fills B1 is refused, one that leaves it empty is written, in column C's style; empty
    trailing cells do not widen the dimension."""
    write_xlsx(deals, {}, {"Reminders": [["x"]]})
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(deals)
    wb["Reminders"].merge_cells("A1:B1")
    wb["Reminders"].column_dimensions["C"].font = openpyxl.styles.Font(bold=True)
    wb.save(edited)
    before = edited.read_bytes()
    with pytest.raises(WriteConflict, match="Reminders!B1 is hidden inside the merged range A1:B1"):
        write_xlsx(edited, {}, {"Reminders": [["Owner", "Due"], ["Ann", "soon"]]})
    assert edited.read_bytes() == before
    write_xlsx(edited, {}, {"Reminders": [["Owner", "", "Note", None, ""], ["Ann", 3]]})
    assert grid(edited, "Reminders") == [["Owner", "", "Note"], ["Ann", 3, ""]]
    xml = part(edited, "xl/worksheets/sheet3.xml")
    assert b'<dimension ref="A1:C2"/>' in xml
    note = re.search(rb'<c r="C1" s="(\d+)"', xml)
    assert note and openpyxl.load_workbook(edited)["Reminders"]["C1"].font.bold


def test_owned_mark_survives_a_resave_by_openpyxl(deals, tmp_path):
    write_xlsx(deals, {}, {"Reminders": [["x"]]})
    resaved = tmp_path / "resaved.xlsx"
    wb = openpyxl.load_workbook(deals)
    assert wb.defined_names == {} and "_sheetsales_owned" in wb["Reminders"].defined_names
    wb.save(resaved)
    assert write_xlsx(resaved, {}, {"Reminders": [["y"]]}).sheets_replaced == ("Reminders",)
    assert grid(resaved, "Reminders") == [["y"]]


def test_a_users_sheet_of_the_same_name_is_refused(deals):
    before = deals.read_bytes()
    with pytest.raises(WriteConflict, match="a sheet 'Notes' that sheetsales did not create"):
        write_xlsx(deals, {("Deals", "F2"): "x"}, {"notes": [["mine"]]})
    assert deals.read_bytes() == before


def test_sheetsales_names_are_set_replaced_and_removed(deals):
    before = raw_entries(deals)
    result = write_xlsx(deals, {}, names={("Deals", "_sheetsales_status"): "$F:$F",
                                          ("Deals", "_sheetsales_flags"): "$G:$G"})
    assert result.names_changed == 2
    assert_untouched_except(before, deals, {"xl/workbook.xml"})
    assert (b'<definedNames><definedName name="_sheetsales_status" localSheetId="0" hidden="1">'
            b"'Deals'!$F:$F</definedName><definedName name=\"_sheetsales_flags\" "
            b'localSheetId="0" hidden="1">\'Deals\'!$G:$G</definedName></definedNames>'
            ) in part(deals, "xl/workbook.xml")
    assert openpyxl.load_workbook(deals)["Deals"].defined_names["_sheetsales_status"].value == \
        "'Deals'!$F:$F"
    workbook = part(deals, "xl/workbook.xml")
    assert write_xlsx(deals, {("Deals", "F2"): "x"},
                      names={("Deals", "_sheetsales_status"): "$F:$F"}).names_changed == 0
    assert part(deals, "xl/workbook.xml") == workbook, "an unchanged name leaves workbook.xml"
    write_xlsx(deals, {}, names={("deals", "_SHEETSALES_STATUS"): "$H:$H",
                                 ("Deals", "_sheetsales_flags"): None})
    names = openpyxl.load_workbook(deals)["Deals"].defined_names
    assert set(names) == {"_SHEETSALES_STATUS"} and names["_SHEETSALES_STATUS"].value == \
        "'Deals'!$H:$H"


@pytest.mark.parametrize("name, ref, message", [
    ("Status", "$F:$F", "not a name sheetsales manages"),
    ("_sheetsales_owned", "$A$1", "not a name sheetsales manages"),
    ("_sheetsales_status", "F:F; DROP", "not a reference"),
])
def test_only_sheetsales_names_are_managed(deals, name, ref, message):
    with pytest.raises(ValueError, match=message):
        write_xlsx(deals, {}, names={("Deals", name): ref})


@pytest.mark.parametrize("title", ["", "a" * 32, "Re:minders", "what?", "'quoted'", "History"])
def test_invalid_sheet_names_are_refused(deals, title):
    with pytest.raises(WriteConflict, match="cannot be a sheet name"):
        write_xlsx(deals, {}, {title: [["x"]]})


def test_protected_workbook_structure_refuses_a_new_sheet(tmp_path):
    path = tmp_path / "locked.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Deals"
    wb.security = openpyxl.workbook.protection.WorkbookProtection(lockStructure=True)
    wb.save(path)
    with pytest.raises(WriteConflict, match="protected workbook structure"):
        write_xlsx(path, {}, {"Reminders": [["x"]]})
    write_xlsx(path, {("Deals", "A1"): "cells are still fine"})


# -- packages -------------------------------------------------------------------------------------
def test_only_the_written_parts_change(deals):
    before = raw_entries(deals)
    sheet_before = split_sheet(part(deals, SHEET1))
    write_xlsx(deals, {("Deals", "F1"): "Status", ("Deals", "F3"): "ok", ("Deals", "B4"): "X"})
    assert_untouched_except(before, deals, {SHEET1})
    head, rows, tail = split_sheet(part(deals, SHEET1))
    assert (head, tail) == sheet_before[::2]
    for number, row in rows.items():
        if number in (1, 3, 4):
            refs = {1: ["F1"], 3: ["F3"], 4: ["B4"]}[number]
            assert without_cells(row, refs) == without_cells(sheet_before[1][number], refs)
        else:
            assert row == sheet_before[1][number]


class _Unseekable:
    """A write-only stream, so zipfile writes data descriptors as streaming zippers do."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        return self.f.write(data)

    def flush(self):
        self.f.flush()


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_streamed_and_stored_zips_are_copied_raw(deals, tmp_path, method):
    streamed = tmp_path / "streamed.xlsx"
    with zipfile.ZipFile(deals) as src, open(streamed, "wb") as f:
        with zipfile.ZipFile(_Unseekable(f), "w", method) as out:
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = method
                with out.open(entry, "w") as w:
                    w.write(src.read(info))
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(streamed).infolist())
    before = raw_entries(streamed)
    write_xlsx(streamed, {("Deals", "F2"): "x"})
    assert_untouched_except(before, streamed, {SHEET1})
    with zipfile.ZipFile(streamed) as z:
        assert z.testzip() is None
        assert z.getinfo(SHEET1).compress_type == method
    assert value(streamed, "Deals", "F2") == "x" and value(streamed, "Notes", "A1") == "keep me"


def test_cells_for_one_sheet_under_two_spellings_are_one_job(deals):
    write_xlsx(deals, {("Deals", "F2"): "a", ("deals", "F3"): "b"})
    assert [value(deals, "Deals", ref) for ref in ("F2", "F3")] == ["a", "b"]
    with pytest.raises(ValueError, match="given twice"):
        write_xlsx(deals, {("Deals", "F2"): "a", ("DEALS", "F2"): "b"})


def test_xlsm_keeps_its_macros_and_content_type(tmp_path):
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0 not really a vba project " * 100)
    path = tmp_path / "macros.xlsm"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Deals").write("A1", "x")
    wb.add_vba_project(str(vba))
    wb.close()
    before = raw_entries(path)
    write_xlsx(path, {("Deals", "B1"): "y"}, {"Reminders": [["z"]]})
    after = raw_entries(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in \
        part(path, "[Content_Types].xml")
    assert part(path, "xl/vbaProject.bin") == vba.read_bytes()
    assert value(path, "Deals", "B1") == "y"


def test_permissions_are_kept_and_out_path_leaves_the_source_alone(deals, tmp_path):
    os.chmod(deals, 0o640)
    write_xlsx(deals, {("Deals", "F2"): "x"})
    assert stat.S_IMODE(os.stat(deals).st_mode) == 0o640
    before = deals.read_bytes()
    out = tmp_path / "out.xlsx"
    result = write_xlsx(deals, {("Deals", "F3"): "y"}, out_path=out)
    assert result.path == out and deals.read_bytes() == before
    assert value(out, "Deals", "F3") == "y" and value(out, "Deals", "F2") == "x"


def test_nothing_to_write_leaves_the_file_alone(deals):
    mtime = os.stat(deals).st_mtime_ns
    assert write_xlsx(deals, {}) == WriteResult(deals)
    assert os.stat(deals).st_mtime_ns == mtime


def test_a_repeated_write_does_not_rewrite_the_file(deals):
    cells = {("Deals", "F1"): "Status", ("Deals", "F2"): dt.date(2026, 3, 4),
             ("Deals", "B3"): None}
    sheets = {"Reminders": [["Owner", "Due"], ["Ann", dt.date(2026, 1, 2)]]}
    names = {("Deals", "_sheetsales_status"): "$F:$F"}
    assert write_xlsx(deals, cells, sheets, names=names).rewritten
    stamp = os.stat(deals)
    again = write_xlsx(deals, cells, sheets, names=names)
    assert not again.rewritten and again.sheets_replaced == ("Reminders",)
    assert (os.stat(deals).st_mtime_ns, os.stat(deals).st_ino) == (stamp.st_mtime_ns, stamp.st_ino)
    assert write_xlsx(deals, {("Deals", "F1"): "Pipeline status"}).rewritten


# -- atomicity ------------------------------------------------------------------------------------
def test_a_failure_while_replacing_leaves_the_original_and_no_temp_file(deals, monkeypatch):
    before = deals.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        write_xlsx(deals, {("Deals", "F2"): "x"}, {"Reminders": [["x"]]})
    assert deals.read_bytes() == before
    assert sorted(p.name for p in deals.parent.iterdir()) == ["deals.xlsx"]


def test_a_file_changed_during_the_write_is_refused(deals, monkeypatch):
    real_fsync = os.fsync

    def someone_saves(fd):
        real_fsync(fd)
        os.utime(deals, ns=(1, 1))

    monkeypatch.setattr(os, "fsync", someone_saves)
    with pytest.raises(WriteConflict, match="changed while sheetsales was writing it"):
        write_xlsx(deals, {("Deals", "F2"): "x"})
    assert sorted(p.name for p in deals.parent.iterdir()) == ["deals.xlsx"]


def test_a_kill_at_any_moment_leaves_the_old_or_the_new_file(tmp_path):
    path = deals_workbook(tmp_path / "big.xlsx", rows=30000)
    original = path.read_bytes()
    script = ("import sys\n"
              "from sheetsales.sources.xlsx.writer import write_xlsx\n"
              "cells = {('Deals', f'F{r}'): f'status {r}' for r in range(1, 30002)}\n"
              "write_xlsx(sys.argv[1], cells, {'Reminders': [['x']]})\n")
    outcomes = []
    for delay in (0, 0.005, 0.02, None):
        path.write_bytes(original)
        proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
        seen_temp = False
        while proc.poll() is None and delay is not None:
            if any(tmp_path.glob(".~sheetsales-*")):  # the new file is being written: kill now
                seen_temp = True
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
        if path.read_bytes() == original:
            outcomes.append("old")
            assert seen_temp, "only a kill can leave the old file"
        else:
            assert value(path, "Deals", "F30001") == "status 30001"
            assert grid(path, "Reminders") == [["x"]]
            outcomes.append("new")
        for leftover in tmp_path.glob(".~sheetsales-*"):
            leftover.unlink()  # a killed run cannot clean up; the original is what matters
    assert "old" in outcomes and outcomes[-1] == "new", outcomes
