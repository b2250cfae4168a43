"""A pipeline kept over several tabs is dressed like one (issue 15 over issue 25): every
deals tab's owned columns get widths, the tab's own header style, its filter or Excel Table
extended and the status colours; one Summary sheet covers the whole pipeline. LibreOffice
reads the workbook, a second run changes nothing and undo restores it byte for byte."""

import datetime as dt
import json
import zipfile

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table

from helpers import HEADERS, run_cli
from libreoffice import read_csv, to_csv

T = ["--today", "2026-11-27"]
D = dt.date


def deal(deal_id, company, owner, amount, next_due=D(2026, 12, 2), close=None):
    return [deal_id, company, owner, "Proposal", amount, D(2026, 11, 1), D(2026, 11, 10),
            D(2026, 11, 20), None, None, next_due, close]


def team(path):
    """Ann's tab has an autofilter and a bold red header; Bob's deals are an Excel Table."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    header = [*HEADERS, "Expected close"]
    ann = book.create_sheet("Ann")
    for row in [header, deal("A-1", "Acme", "Ann", 1000, close=D(2026, 12, 15))]:
        ann.append(row)
    for cell in ann[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="FFC000")
    ann.auto_filter.ref = "A1:L2"
    bob = book.create_sheet("Bob")
    for row in [header, deal("B-1", "Beta", "Bob", 2000, D(2026, 10, 1), D(2026, 10, 30)),
                deal("B-2", "Core", "Bob", 3000, D(2026, 10, 1))]:
        bob.append(row)
    bob.add_table(Table(displayName="BobDeals", ref="A1:L3"))
    book.save(path)
    return path


def test_every_tab_is_dressed_and_one_summary_covers_the_pipeline(tmp_path):
    path = team(tmp_path / "team.xlsx")
    original = path.read_bytes()
    run_cli(["run", path, *T], 0)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Ann", "Bob", "Reminders", "Summary"]
    for title in ("Ann", "Bob"):
        ws = wb[title]
        assert [c.value for c in ws[1]][12:16] == ["Status", "Flags", "Next action",
                                                   "Next action due"]
        widths = [ws.column_dimensions[c].width for c in "MNOP"]
        assert all(widths) and widths[3] >= 12, (title, widths)  # a date is never ###
        rules = [r for rng in ws.conditional_formatting for r in rng.rules]
        assert rules and all(str(rng.sqref).startswith("M") for rng in ws.conditional_formatting)
    ann = wb["Ann"]
    assert ann.auto_filter.ref == "A1:P2"  # the filter takes in the owned columns
    assert ann["M1"].font.b and ann["M1"].fill.fgColor.rgb.endswith("FFC000")
    table = wb["Bob"].tables["BobDeals"]
    assert table.ref == "A1:P3" and [c.name for c in table.tableColumns][12:] == [
        "Status", "Flags", "Next action", "Next action due"]
    summary = [r for r in wb["Summary"].iter_rows(values_only=True)]
    owners = {r[0]: r[2] for r in summary if r and r[0] in ("Ann", "Bob")}
    assert owners == {"Ann": 1000, "Bob": 5000}  # both tabs' deals, one pipeline
    stale = next(r for r in summary if r and str(r[0]).startswith("stale"))
    assert stale[1:3] == (1, 2000)  # Bob's B-1, expected to close 2026-10-30
    assert len(wb["Summary"]._charts) == 2
    csv = to_csv([path], tmp_path)  # LibreOffice reads every sheet of it
    assert read_csv(csv, "team", "Bob")[0][12] == "Status"
    assert any(r and r[0] == "Bob" for r in read_csv(csv, "team", "Summary"))
    second = path.read_bytes()
    run_cli(["run", path, *T], 0, stdout="Nothing to change")
    assert path.read_bytes() == second
    run_cli(["undo", path], 0, stdout="Restored")
    assert path.read_bytes() == original
    with zipfile.ZipFile(path) as z:
        assert not any("chart" in n for n in z.namelist())


def test_report_covers_every_tab_and_names_them(tmp_path):
    path = team(tmp_path / "team.xlsx")
    table = run_cli(["report", path, *T], 0).stdout
    assert table.startswith(f"Pipeline of {path} (tabs 'Ann', 'Bob') on 2026-11-27")
    assert "3 open deals (1 stale: expected close passed): 6,000 in the pipeline" in table
    data = json.loads(run_cli(["report", path, *T, "--format", "json"], 0).stdout)
    assert data["sheet"] == "Ann" and data["sheets"] == ["Ann", "Bob"]
    assert {r["owner"]: r["overdue"] for r in data["by_owner"]} == {"Bob": 2, "Ann": 0}
