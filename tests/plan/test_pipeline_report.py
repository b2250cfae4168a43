"""`sheetsales report`: the summary as tables, JSON and CSV, and one self-contained HTML page
whose charts headless Chromium draws."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess

import openpyxl
import pytest

import sheetsales
from helpers import run_cli, write_deals

HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Expected close", "Confirmed on"]
ROWS = [["D-1", "Acme", "Ana", "Proposal", 1000, dt.date(2026, 12, 10), None],
        ["D-2", "Beta", "Bo", "Discovery", 3000, dt.date(2027, 1, 20), None],
        ["D-3", "Gamma", "Ana", "Won", 500, None, dt.date(2026, 11, 2)],
        ["D-4", "Delta", "Bo", "Lead", 800, None, None]]
TODAY = ["--today", "2026-11-27"]


@pytest.fixture
def book(tmp_path):
    return write_deals(tmp_path / "deals.xlsx", ROWS, headers=HEADERS)


def test_json_has_totals_stages_owners_and_forecast(book):
    out = run_cli(["report", book, *TODAY, "--format", "json"], 0)
    data = json.loads(out.stdout)
    assert data["totals"]["open_deals"] == 3 and data["totals"]["open_amount"] == 4800
    assert data["totals"]["weighted_amount"] == 1000 * .5 + 3000 * .2 + 800 * .05
    assert {r["stage"]: r["deals"] for r in data["by_stage"]}["Won"] == 1
    assert {r["owner"]: r["open_amount"] for r in data["by_owner"]} == {"Bo": 3800, "Ana": 1000}
    forecast = {r["month"]: r["weighted"] for r in data["forecast"]}
    assert forecast["2026-12"] == 500 and forecast["2027-01"] == 600 and forecast["none"] == 40
    assert data["totals"]["won_this_month"] == 1


def test_table_and_csv(book):
    table = run_cli(["report", book, *TODAY], 0).stdout
    assert "3 open deals: 4,800 in the pipeline, 1,140 weighted" in table
    assert re.search(r"^  Proposal\s+1\s+1,000\s+500$", table, re.M)
    csv_text = run_cli(["report", book, *TODAY, "--format", "csv"], 0).stdout
    assert csv_text.startswith("\ufeffsection,name,deals,amount,weighted")
    assert "\nforecast,2027-01,1,3000.0,600.0," in csv_text.replace("\r\n", "\n")


def test_report_writes_nothing_to_the_source(book, tmp_path):
    before = book.read_bytes()
    run_cli(["report", book, *TODAY, "--html", tmp_path / "r.html"], 0)
    assert book.read_bytes() == before


def test_bad_source_is_one_sentence_exit_2(tmp_path):
    out = run_cli(["report", tmp_path / "missing.xlsx"], 2)
    assert out.stderr.startswith("Error: ") and "Traceback" not in out.stderr


def test_html_is_self_contained(book, tmp_path):
    page = sheetsales.report(book, today=dt.date(2026, 11, 27), html=tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert text == page.render("html")
    assert "<script" not in text and not re.search(r"(?:src|href)=\"?https?:", text)
    assert text.count('class="bar by-stage"') == 4  # Lead, Discovery, Proposal, Won have amounts


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):  # CI installs it: absent is a failure
            pytest.fail("Chromium is required but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def test_chromium_draws_the_charts(book, tmp_path):
    page = tmp_path / "r.html"
    sheetsales.report(book, today=dt.date(2026, 11, 27), html=page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium(), *flags, "--dump-dom", page.as_uri()], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    bars = re.findall(r'<rect class="bar (\S+)" data-label="([^"]*)" data-value="([^"]*)"', dom)
    forecast = {label: float(v) for kind, label, v in bars if kind == "forecast"}
    assert forecast == {"2026-12": 500.0, "2027-01": 600.0, "none": 40.0}
    stages = {label: float(v) for kind, label, v in bars if kind == "by-stage"}
    assert stages == {"Lead": 800.0, "Discovery": 3000.0, "Proposal": 1000.0, "Won": 500.0}
    shot = tmp_path / "shot.png"
    subprocess.run([chromium(), *flags, "--window-size=1000,700", f"--screenshot={shot}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    assert count_colour(shot, (0x2f, 0x6e, 0xb5)) > 2000  # the stage bars' blue was painted
    assert count_colour(shot, (0x2e, 0x9a, 0x5b)) > 500  # and the forecast's green


def count_colour(png, rgb, tolerance=12) -> int:
    """Pixels of a PNG within `tolerance` of a colour (decoded with the standard library)."""
    import struct
    import zlib
    data = png.read_bytes()
    pos, chunks, width = 8, [], 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous, count, i = bytearray(stride), 0, 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, channels):
            if all(abs(line[x + k] - rgb[k]) <= tolerance for k in range(3)):
                count += 1
        previous = line
    return count


def test_stale_deals_stand_apart_in_every_rendering(tmp_path):
    """A deal expected to close before today is the forecast's "stale" line in the table,
    JSON, CSV and HTML, drawn red in the forecast chart, never in a month gone by."""
    rows = [*ROWS, ["D-5", "Epsilon", "Bo", "Proposal", 2000, dt.date(2026, 10, 15), None],
            ["D-6", "Zeta", "Ana", "Discovery", 1500, dt.date(2026, 11, 20), None]]
    book = write_deals(tmp_path / "stale.xlsx", rows, headers=HEADERS)
    data = json.loads(run_cli(["report", book, *TODAY, "--format", "json"], 0).stdout)
    forecast = {r["month"]: r for r in data["forecast"]}
    assert forecast["stale"]["deals"] == 2 and forecast["stale"]["amount"] == 3500
    assert forecast["2026-11"]["deals"] == 0 and "2026-10" not in forecast
    table = run_cli(["report", book, *TODAY], 0).stdout
    assert "5 open deals (2 stale: expected close passed)" in table
    assert re.search(r"^  stale \(close passed\)\s+2\s+3,500\s+1,300$", table, re.M)
    csv_text = run_cli(["report", book, *TODAY, "--format", "csv"], 0).stdout
    assert "\nforecast,stale,2,3500.0,1300.0," in csv_text.replace("\r\n", "\n")
    page = tmp_path / "r.html"
    sheetsales.report(book, today=dt.date(2026, 11, 27), html=page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([chromium(), *flags, "--window-size=1000,700", f"--screenshot={shot}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    assert 'data-label="stale" data-value="1300.00"' in page.read_text(encoding="utf-8")
    assert count_colour(shot, (0x9c, 0x00, 0x06)) > 300  # the stale bar is painted red


def test_several_currencies_are_reported_apart_and_never_summed(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("Deal ID,Company,Owner,Stage,Amount,Expected close\n"
                    'D-1,Acme,Ana,Proposal,"$1,000",2026-12-10\n'
                    'D-2,Beta,Bo,Discovery,"€2,000.00",2027-01-20\n'
                    "D-3,Gamma,Ana,Lead,1500 €,\n"
                    "D-4,Delta,Bo,Proposal,700,\n", encoding="utf-8")
    table = run_cli(["report", path, *TODAY], 0).stdout
    assert ("4 open deals: 1,000 $ + 3,500 EUR + 700 (no currency) in the pipeline, "
            "500 $ + 475 EUR + 350 (no currency) weighted") in table
    assert re.search(r"^  Proposal\s+2\s+-\s+-$", table, re.M)  # counts only, over currencies
    assert "By stage, in EUR" in table and "amounts are in 2 currencies ($, EUR)" in table
    data = json.loads(run_cli(["report", path, *TODAY, "--format", "json"], 0).stdout)
    assert data["totals"]["open_amount"] is None and data["totals"]["open_deals"] == 4
    assert {c: p["totals"]["open_amount"] for c, p in data["by_currency"].items()} == {
        "$": 1000, "EUR": 3500, "(no currency)": 700}
    csv_text = run_cli(["report", path, *TODAY, "--format", "csv"], 0).stdout
    assert "\nby_stage:EUR,Discovery,1,2000.0,400.0," in csv_text.replace("\r\n", "\n")
    page = sheetsales.report(path, today=dt.date(2026, 11, 27)).render("html")
    assert "<h2>By stage in EUR</h2>" in page and "Amount by stage in $" in page
    check = run_cli(["check", path, *TODAY], 0).stdout
    assert "Open: 4 deals worth 1,000 $ + 3,500 EUR + 700 (no currency)" in check
    assert "Ana: 2 open (1,000 $ + 1,500 EUR)" in check


def test_days_in_stage_come_from_the_run_history_where_the_sheet_has_no_date(tmp_path):
    """Two nightly runs see two deals move Contacted -> Discovery (the sheet has no Discovery
    on column); the report's flow counts Contacted from First contact to the day a run first
    saw them in Discovery. D-3, there since the history began, gives no entry day."""
    path = tmp_path / "deals.xlsx"
    headers = ["Deal ID", "Company", "Owner", "Stage", "First contact"]
    first = [dt.date(2026, 10, 20), dt.date(2026, 10, 25), dt.date(2026, 10, 30)]

    def sheet(stages, day):
        write_deals(path, [[f"D-{i}", f"Co {i}", "Ana", stage, first[i - 1]]
                           for i, stage in enumerate(stages, 1)], headers=headers)
        sheetsales.run(path, today=day)

    sheet(["Contacted"] * 3, dt.date(2026, 11, 2))
    sheet(["Discovery", "Discovery", "Contacted"], dt.date(2026, 11, 10))
    path.with_name("plain.xlsx").write_bytes(path.read_bytes())  # the same sheet, no history
    assert sheetsales.report(path.with_name("plain.xlsx"), today=dt.date(2026, 11, 27)
                             ).summary.flow[1].median_days is None
    contacted = sheetsales.report(path, today=dt.date(2026, 11, 27)).summary.flow[1]
    assert (contacted.stage, contacted.reached, contacted.went_on) == ("Contacted", 3, 2)
    assert contacted.median_days == 18.5  # 21 and 16 days
    sheetsales.run(path, today=dt.date(2026, 11, 27))  # the Summary sheet `run` writes: the same
    rows = list(openpyxl.load_workbook(path)["Summary"].iter_rows(values_only=True))
    step = next(i for i, r in enumerate(rows) if r[0] == "Step")
    assert next(r for r in rows[step:] if r[0] == "Contacted")[1:5] == (3, 2, 2 / 3, 18.5)
