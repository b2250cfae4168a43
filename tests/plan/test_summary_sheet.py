"""The Summary sheet `run` writes into a workbook (plan/summary_sheet.py, sources/xlsx/
charts.py): its tables and native charts, recognised by sheetsales' marker, refused over a
user's sheet of that name, off with [summary] sheet = false, undone by undo. openpyxl reads
the charts back; LibreOffice draws them (pixels of the series colour in its PNG)."""

import datetime as dt
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from helpers import run_cli, write_deals
from libreoffice import soffice
from sheetsales.core.config import Config, build_config
from sheetsales.operations.run import run_target
from sheetsales.operations.undo import undo
from sheetsales.sources.xlsx.target import XlsxTarget
from test_pipeline_report import HEADERS, ROWS, count_colour

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def book(tmp_path):
    return write_deals(tmp_path / "deals.xlsx", ROWS, headers=HEADERS)


def run(path, config=None, today=TODAY):
    return run_target(XlsxTarget(path), config or Config(), today)


def names(path):
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def test_run_writes_the_summary_with_native_charts(book):
    result = run(book)
    assert "the Summary sheet" in result.written
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[-1] == "Summary"
    ws = wb["Summary"]
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    stages = {}
    for r in values:  # the first table, by stage (the flow repeats the step names)
        if r and r[0] in ("Lead", "Discovery", "Proposal"):
            stages.setdefault(r[0], r[2])
    assert stages == {"Lead": 800, "Discovery": 3000, "Proposal": 1000}
    charts = ws._charts
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == [
        "Amount by stage", "Weighted forecast by expected close"]
    assert all(c.tagname == "barChart" for c in charts)
    refs = [c.series[0].val.numRef.f for c in charts]
    assert refs[0].startswith("'Summary'!$C$") and refs[1].startswith("'Summary'!$D$")
    amount = next(r for r in values if r and r[0] == "Discovery")
    assert ws.cell(values.index(amount) + 1, 3).number_format == "#,##0"
    parts = names(book)
    assert "xl/charts/chart1.xml" in parts and "xl/drawings/drawing1.xml" in parts


def test_second_run_changes_nothing_and_next_day_keeps_the_part_names(book):
    run(book)
    before, parts = book.read_bytes(), names(book)
    assert run(book).written is None and book.read_bytes() == before
    run(book, today=TODAY + dt.timedelta(days=1))
    assert sorted(names(book)) == sorted(parts)  # charts rewritten in place, none added


def test_a_users_summary_sheet_is_left_alone(book):
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Summary")["A1"] = "my own notes"
    wb.save(book)
    result = run(book)
    assert any("its own sheet 'Summary'" in n for n in result.plan.notes)
    assert openpyxl.load_workbook(book)["Summary"]["A1"].value == "my own notes"
    assert "xl/charts/chart1.xml" not in names(book)


def test_summary_off_and_renamed(book, tmp_path):
    run(book, build_config({"summary": {"sheet": False}}))
    assert "Summary" not in openpyxl.load_workbook(book).sheetnames
    other = write_deals(tmp_path / "other.xlsx", ROWS, headers=HEADERS)
    run(other, build_config({"summary": {"sheet_name": "Pipeline", "charts": False}}))
    ws = openpyxl.load_workbook(other)["Pipeline"]
    assert ws["A1"].value == "Pipeline summary" and not ws._charts


def test_undo_removes_the_summary(book):
    before = book.read_bytes()
    run_cli(["run", book, "--today", "2026-11-27"], 0, stdout="Summary")
    undo(book, Config())
    assert book.read_bytes() == before


def need_pdftoppm():
    if not shutil.which("pdftoppm"):
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):
            pytest.fail("poppler-utils (pdftoppm) is required but not installed")
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")


def summary_png(book, tmp_path):
    """The workbook's last page (its Summary sheet) as LibreOffice draws it, a PNG."""
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean",'
                    '"value":"true"}}', "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / (book.stem + ".pdf")
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    last = int(next(line.split()[-1] for line in pages.splitlines()
                    if line.startswith("Pages:")))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(last), "-l", str(last), str(pdf),
                    str(tmp_path / "summary")], check=True, capture_output=True, timeout=120)
    return next(tmp_path.glob("summary*.png"))


def test_libreoffice_draws_the_charts(book, tmp_path):
    need_pdftoppm()
    run(book)
    png = summary_png(book, tmp_path)
    assert count_colour(png, (0x2F, 0x6E, 0xB5)) > 300  # the bars of amount by stage
    assert count_colour(png, (0x2E, 0x9A, 0x5B)) > 100  # the weighted forecast's


def test_the_stale_bar_is_red_in_the_chart_and_libreoffice_draws_it(tmp_path):
    """The forecast chart's stale bar carries its own colour (c:dPt), as the HTML report's
    red bar; LibreOffice draws it."""
    stale = ["D-9", "Omega", "Bo", "Proposal", 6000, dt.date(2026, 9, 1), None]
    book = write_deals(tmp_path / "stale.xlsx", [*ROWS, stale], headers=HEADERS)
    run(book)
    with zipfile.ZipFile(book) as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/")]
    forecast = next(c for c in charts if b"Weighted forecast" in c)
    assert b"(red: stale)" in forecast and forecast.count(b"<c:dPt>") == 1
    assert b'<c:dPt><c:idx val="8"/>' in forecast  # 6 months, later, no date, then stale
    assert b'val="9C0006"' in forecast
    read = [s for c in openpyxl.load_workbook(book)["Summary"]._charts for s in c.series]
    assert [(p.idx, p.spPr.solidFill.srgbClr) for s in read for p in s.dPt] == [(8, "9C0006")]
    need_pdftoppm()
    png = summary_png(book, tmp_path)
    assert count_colour(png, (0x9C, 0x00, 0x06)) > 100  # the stale bar
    assert count_colour(png, (0x2E, 0x9A, 0x5B)) > 100  # the other months' bars
