"""What people see after `run` on a real workbook (sources/xlsx/look.py, tables.py, the
styles appended): the owned columns fit and look like the user's header, the filter and an
Excel Table take them in, statuses are coloured, and the Reminders sheet is worked from.
openpyxl reads the result independently; undo brings back every byte."""

import datetime as dt
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table

from helpers import CLEAN, HEADERS, OVERDUE
from sheetsales.core.config import Config, build_config
from sheetsales.operations.run import run_target
from sheetsales.operations.undo import undo
from sheetsales.sources.xlsx.target import XlsxTarget

TODAY = dt.date(2026, 11, 27)
BAD = ["D-3", "Gamma", "Cy", "Proposl", 700, dt.date(2026, 11, 1), dt.date(2026, 11, 10),
       dt.date(2026, 11, 20), None, None, None]


def workbook(path, table=False, autofilter=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Deals"
    ws.append(HEADERS)
    for row in (CLEAN, OVERDUE, BAD):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
    last = openpyxl.utils.get_column_letter(len(HEADERS))
    if table:
        ws.add_table(Table(displayName="Deals", ref=f"A1:{last}4"))
    elif autofilter:
        ws.auto_filter.ref = f"A1:{last}4"
    wb.save(path)
    return path


def run(path, config=None, today=TODAY):
    target = XlsxTarget(path)
    result = run_target(target, config or Config(), today)
    return result


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def test_owned_columns_fit_and_look_like_the_users_header(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    ws = openpyxl.load_workbook(path)["Deals"]
    first = len(HEADERS) + 1
    status, flags, due = (openpyxl.utils.get_column_letter(first + i) for i in (0, 1, 3))
    header = ws[f"{status}1"]
    assert header.value == "Status" and header.font.b and header.fill.fgColor.rgb.endswith("305496")
    assert ws.column_dimensions[due].width >= 12  # a date is never ###
    assert ws.column_dimensions[flags].width > 30
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(first + 3)}4"


def test_status_colours_are_owned_conditional_formats(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    ws = openpyxl.load_workbook(path)["Deals"]
    status = openpyxl.utils.get_column_letter(len(HEADERS) + 1)
    ranges = {str(cf.sqref): [r.text for r in cf.rules] for cf in ws.conditional_formatting}
    assert ranges == {f"{status}2:{status}4": ["Closed", "Invalid", "Snoozed", "Overdue",
                                                "Due today", "Due soon", "Idle", "Check", "OK"]}
    wb = openpyxl.load_workbook(path)
    overdue = next(r for cf in wb["Deals"].conditional_formatting for r in cf.rules
                   if r.text == "Overdue")
    assert overdue.dxf.fill.bgColor.rgb == "FFFFC7CE"


def test_colours_are_configurable(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path, build_config({"colours": {"ok": "none", "overdue": "amber"}}))
    ws = openpyxl.load_workbook(path)["Deals"]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert "OK" not in [r.text for r in rules]
    assert next(r for r in rules if r.text == "Overdue").dxf.fill.bgColor.rgb == "FFFFEB9C"


def test_next_day_keeps_one_set_of_colours_and_styles(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    styles = parts(path)["xl/styles.xml"]
    run(path, today=TODAY + dt.timedelta(days=1))
    assert parts(path)["xl/styles.xml"] == styles  # nothing appended twice
    ws = openpyxl.load_workbook(path)["Deals"]
    assert len(list(ws.conditional_formatting)) == 1


def test_on_an_excel_table_the_owned_columns_join_the_table(tmp_path):
    path = workbook(tmp_path / "d.xlsx", table=True)
    before = parts(path)
    run(path)
    after = parts(path)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml", "xl/styles.xml",
                       "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    table = openpyxl.load_workbook(path)["Deals"].tables["Deals"]
    last = openpyxl.utils.get_column_letter(len(HEADERS) + 4)
    assert table.ref == f"A1:{last}4"
    assert [c.name for c in table.tableColumns][-4:] == ["Status", "Flags", "Next action",
                                                          "Next action due"]
    again = run(path, today=TODAY + dt.timedelta(days=1))  # writes inside the table now
    assert again.written and openpyxl.load_workbook(path)["Deals"].tables["Deals"].ref == table.ref


def test_reminders_sheet_is_styled_frozen_filtered_and_linked(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    ws = openpyxl.load_workbook(path)["Reminders"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.auto_filter.ref == f"A1:J{ws.max_row}"
    assert ws.column_dimensions["D"].width > 20
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["D-2", "D-3"]  # Bo's overdue item, then Cy's Fix item
    assert isinstance(rows[0][4], dt.datetime)  # a real date cell
    assert rows[1][3].startswith("Fix: ")
    link = ws["H2"].hyperlink
    assert link.location == "'Deals'!A3" and link.target is None  # internal


def test_undo_takes_every_look_back(tmp_path):
    path = workbook(tmp_path / "d.xlsx", table=True)
    before = path.read_bytes()
    run(path)
    undo(path, Config())
    assert path.read_bytes() == before


@pytest.mark.parametrize("table", [False, True])
def test_libreoffice_opens_the_dressed_workbook(tmp_path, table):
    from libreoffice import read_csv, to_csv
    path = workbook(tmp_path / "d.xlsx", table=table)
    run(path)
    out = to_csv([path], tmp_path)
    deals = read_csv(out, "d", "Deals")
    assert deals[0][len(HEADERS)] == "Status" and deals[2][len(HEADERS)] == "Overdue"
    assert read_csv(out, "d", "Reminders")[0][-2:] == ["Notes", "Done"]


def test_a_filter_that_does_not_reach_the_owned_columns_is_left_alone(tmp_path):
    path = workbook(tmp_path / "d.xlsx", autofilter=False)
    wb = openpyxl.load_workbook(path)
    wb["Deals"].auto_filter.ref = "A1:C4"
    wb.save(path)
    run(path)
    assert openpyxl.load_workbook(path)["Deals"].auto_filter.ref == "A1:C4"


def test_notes_typed_in_excel_survive_the_next_run(tmp_path):
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Reminders"]
    ws["I2"], ws["J2"] = "rang them, delivery Friday", "x"  # Bo's overdue D-2
    wb.save(path)
    later = run(path, today=TODAY + dt.timedelta(days=1))
    assert later.plan.done == {(3, "due")}
    ws = openpyxl.load_workbook(path)["Reminders"]
    assert (ws["B2"].value, ws["I2"].value, ws["J2"].value) == (
        "D-2", "rang them, delivery Friday", "x")
    assert "4 days overdue" in ws["D2"].value


def test_a_note_comes_back_when_its_row_does(tmp_path):
    """SPEC section 10: Notes typed on a row are kept in the history and come back with it."""
    import sheetsales
    path = workbook(tmp_path / "d.xlsx")
    sheetsales.run(path, Config(), TODAY)
    wb = openpyxl.load_workbook(path)
    wb["Reminders"]["I2"] = "parts ordered"  # Bo's overdue D-2
    wb.save(path)
    sheetsales.run(path, Config(), TODAY)  # the note is recorded
    wb = openpyxl.load_workbook(path)
    wb["Deals"]["D3"] = "Lost"  # the item leaves the sheet
    wb.save(path)
    sheetsales.run(path, Config(), TODAY)
    assert "D-2" not in [c.value for c in openpyxl.load_workbook(path)["Reminders"]["B"]]
    wb = openpyxl.load_workbook(path)
    wb["Deals"]["D3"] = "Won"  # lost by mistake: the item is back
    wb.save(path)
    sheetsales.run(path, Config(), TODAY)
    ws = openpyxl.load_workbook(path)["Reminders"]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "D-2")
    assert row[8] == "parts ordered"


def test_remind_leaves_out_what_is_ticked_done(tmp_path):
    import io

    import sheetsales
    path = workbook(tmp_path / "d.xlsx")
    run(path)
    out = io.StringIO()
    sheetsales.remind(path, Config(), TODAY, channel="print", stdout=out)
    assert "D-2, Beta" in out.getvalue()
    wb = openpyxl.load_workbook(path)
    wb["Reminders"]["J2"] = "done"  # Bo's overdue D-2
    wb.save(path)
    out = io.StringIO()
    sheetsales.remind(path, Config(), TODAY, channel="print", stdout=out)
    assert "D-2, Beta" not in out.getvalue() and "D-3, Gamma" in out.getvalue()
