"""A pipeline kept over several tabs (issue 25): every deals tab found, checked as one (IDs
across tabs, the tab's name where the columns are silent), written back per tab with one
Reminders sheet, a deal moved between tabs keeping its history, and undo."""

import datetime as dt
import json
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from helpers import HEADERS, run_cli
from sheetsales import check
from sheetsales.core.config import Config, load_config
from sheetsales.core.errors import ConfigError, SourceError
from sheetsales.nightly.history import History, history_path

TODAY = dt.date(2026, 11, 27)
T = ["--today", "2026-11-27"]
NO_OWNER = [h for h in HEADERS if h != "Owner"]


def deal(deal_id, company, owner, stage="Proposal", proposal=dt.date(2026, 11, 20),
         next_due=dt.date(2026, 12, 2), delivery=None, confirmed=None):
    return [deal_id, company, owner, stage, 1000, dt.date(2026, 11, 1), dt.date(2026, 11, 10),
            proposal, confirmed, delivery, next_due]


IDLE = dict(next_due=dt.date(2026, 10, 1))  # its next step overdue for weeks


def workbook(path, tabs: dict[str, tuple[list, list[list]]]):
    """A real .xlsx with one sheet per (title -> (header, rows))."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (header, rows) in tabs.items():
        sheet = book.create_sheet(title)
        if header:
            sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def without_owner(row):
    return [v for h, v in zip(HEADERS, row) if h != "Owner"]


def values(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.fixture
def people(tmp_path):
    """Ann and Bob keep a tab each, with an Owner column; Bob's deals are months overdue."""
    return workbook(tmp_path / "team.xlsx", {
        "Ann": (HEADERS, [deal("A-1", "Acme", "Ann")]),
        "Bob": (HEADERS, [deal("B-1", "Beta", "Bob", **IDLE), deal("B-2", "Core", "Bob", **IDLE)]),
    })


def test_every_tab_is_read_checked_and_named(people):
    report = check(people, Config(), TODAY)
    assert report.titles() == ["Ann", "Bob"] and len(report.deals) == 3
    assert {f.sheet for f in report.findings} == {"Bob"}
    assert all(f.cell.startswith("Bob!") for f in report.findings)
    summary = report.summary()
    assert summary["sheets"] == ["Ann", "Bob"] and summary["deals"] == 3
    out = " ".join(run_cli(["check", people, *T], 0).stdout.split())
    assert "3 deals checked" in out and "tabs 'Ann', 'Bob'" in out
    assert "Tabs read: 'Ann' (1 deal, header row 1), 'Bob' (2 deals, header row 1)" in out
    assert "Bob row 2" in out or "Bob!" in out


def test_tab_named_like_a_person_with_an_owner_column_keeps_its_owner_cells(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {
        "Ann": (HEADERS, [deal("A-1", "Acme", "Carla")]),
        "Bob": (HEADERS, [deal("B-1", "Beta", "Bob")])})
    report = check(path, Config(), TODAY)
    assert report.deals[0].get("owner") == "Carla"  # never the tab's name
    notes = report.tabs[0].sheet.understanding.notes
    assert any("named like a person but has an Owner column" in n for n in notes)


def test_tabs_without_an_owner_column_are_their_owners(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {
        "Ann": (NO_OWNER, [without_owner(deal("A-1", "Acme", None, **IDLE))]),
        "Bob": (NO_OWNER, [without_owner(deal("B-1", "Beta", None, **IDLE))])})
    report = check(path, Config(), TODAY)
    assert [d.get("owner") for d in report.deals] == ["Ann", "Bob"]
    assert any("taken as Ann's" in n for n in report.tabs[0].sheet.understanding.notes)
    out = " ".join(run_cli(["check", path, *T], 0).stdout.split())
    assert "taken as Bob's" in out
    run_cli(["run", path, *T], 0)
    owners = {r[0] for r in values(path, "Reminders")[1:]}
    assert owners == {"Ann", "Bob"}  # each reminded of their own


def test_a_deal_id_on_two_tabs_is_a_duplicate_naming_both_cells(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {
        "Ann": (HEADERS, [deal("X-1", "Acme", "Ann")]),
        "Bob": (HEADERS, [deal("B-0", "Beta", "Bob"), deal("X-1", "Core", "Bob")])})
    found = [f for f in check(path, Config(), TODAY).findings if f.code == "IDS002"]
    assert [(f.cell, f.message) for f in found] == [
        ("Ann!A2", "deal ID 'X-1' is also used on Bob!A3"),
        ("Bob!A3", "deal ID 'X-1' is also used on Ann!A2")]


def test_closed_tabs_close_their_deals_unless_their_cells_say_otherwise(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {
        "Open": (HEADERS, [deal("D-1", "Acme", "Ann")]),
        "Lost": (HEADERS, [deal("D-2", "Beta", "Bob", **IDLE)]),
        "Archiv": (HEADERS + ["Outcome"], [deal("D-3", "Core", "Bob", **IDLE) + ["Open"]])})
    report = check(path, Config(), TODAY)
    statuses = {d.deal_id: report.status_of(d).status for d in report.deals}
    assert statuses["D-2"] == "Closed"  # the Lost tab: no reminder for a lost deal
    assert statuses["D-3"] == "Overdue"  # its own Outcome cell says Open
    assert not [f for f in report.findings if f.deal_id == "D-2"]


def test_mixed_workbook_reads_the_deals_tab_only_and_says_why(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {
        "Notes": (None, [["Call the bank"], ["Owner meeting Tuesday"]]),
        "Pipeline": (HEADERS, [deal("D-1", "Acme", "Ann"), deal("D-2", "Beta", "Bob")]),
        "Products": (["Product", "Price", "Lead time days"], [["Widget", 10, 5]]),
        "Pivot": (["Row Labels", "Sum of Amount"], [["Ann", 1000], ["Grand Total", 2000]])})
    report = check(path, Config(), TODAY)
    assert report.titles() == ["Pipeline"] and len(report.deals) == 2
    assert dict(report.skipped) == {"Notes": "no deals header", "Products": "the Products sheet",
                                    "Pivot": "no deals header"}
    out = " ".join(run_cli(["check", path, *T], 0).stdout.split())
    assert "skipped 'Notes' (no deals header)" in out


def test_sheets_chosen_by_name_or_pattern(people, tmp_path):
    config = load_config(overrides={"source": {"sheets": ["B*"]}}, cwd=tmp_path)
    assert check(people, config, TODAY).titles() == ["Bob"]
    out = run_cli(["check", people, "--sheet", "Ann", *T], 0).stdout
    assert "1 deal checked" in out and "(sheet 'Ann'" in out
    with pytest.raises(ConfigError, match="the sheets pattern 'Z\\*' matches no sheet"):
        check(people, load_config(overrides={"source": {"sheets": ["Z*"]}}, cwd=tmp_path),
              TODAY)
    run_cli(["check", people, "--sheet", "Z*", *T], 2, stderr="matches no sheet")
    with pytest.raises(SourceError, match="no sheet named 'Carol'"):
        check(people, load_config(overrides={"source": {"sheets": ["Carol"]}}, cwd=tmp_path),
              TODAY)
    (tmp_path / "sheetsales.toml").write_text('[source]\nsheets = ["Ann", "Bob"]\n')
    assert load_config(cwd=tmp_path).source.sheets == ("Ann", "Bob")


def test_tabs_mapping_a_field_differently_are_each_read_with_their_own(tmp_path):
    renamed = ["Deal ID", "Customer Name", "Sales Rep", "Stage", "Opportunity Value",
               *HEADERS[5:]]
    path = workbook(tmp_path / "t.xlsx", {
        "Ann": (HEADERS, [deal("A-1", "Acme", "Ann")]),
        "Bob": (renamed, [deal("B-1", "Beta", "Bob")])})
    report = check(path, Config(), TODAY)
    assert [d.get("company") for d in report.deals] == ["Acme", "Beta"]
    assert [d.get("owner") for d in report.deals] == ["Ann", "Bob"]
    out = run_cli(["check", path, *T], 0).stdout
    assert "The tab 'Bob' maps its own columns" in out


def test_run_writes_every_tab_one_reminders_sheet_and_undo(people):
    original = people.read_bytes()
    run_cli(["run", people, *T], 0, stdout="Tabs read")
    for title in ("Ann", "Bob"):
        rows = values(people, title)
        assert rows[0][11:15] == ["Status", "Flags", "Next action", "Next action due"]
    assert [r[11] for r in values(people, "Bob")[1:]] == ["Overdue", "Overdue"]
    assert values(people, "Ann")[1][11] == "OK"
    reminders = values(people, "Reminders")
    assert {r[0] for r in reminders[1:]} == {"Bob"}
    assert sorted(r[7] for r in reminders[1:]) == ["Bob!A2", "Bob!A3"]
    with zipfile.ZipFile(people) as z:
        names = z.read("xl/workbook.xml").decode()
    assert names.count("_sheetsales_status") == 2  # ownership recorded per tab
    second = people.read_bytes()
    run_cli(["run", people, *T], 0, stdout="Nothing to change")  # idempotent over tabs
    assert people.read_bytes() == second
    run_cli(["undo", people], 0, stdout="Restored")
    assert people.read_bytes() == original


def test_a_deal_moved_from_open_to_won_keeps_its_history(tmp_path):
    path = tmp_path / "t.xlsx"
    moving = deal("D-7", "Acme", "Ann")
    workbook(path, {"Open": (HEADERS, [moving, deal("D-8", "Beta", "Bob")]),
                    "Won": (HEADERS, [])})
    run_cli(["run", path, "--today", "2026-11-20"], 0)
    book = openpyxl.load_workbook(path)  # cut from Open, pasted into Won, as a person does
    book["Open"].delete_rows(2)
    won = deal("D-7", "Acme", "Ann", stage="Won", confirmed=dt.date(2026, 11, 25),
               delivery=dt.date(2026, 12, 20))
    for column, value in enumerate(won, 1):
        book["Won"].cell(2, column, value)
    book.save(path)
    run_cli(["run", path, *T], 0)
    config = Config()
    with History.open(history_path(config, str(path))) as history:
        since = history.stages_since(str(path))
        previous = history.previous_stages(str(path))
    assert previous["D-7"] == "won" and "D-7" in since
    assert values(path, "Won")[1][11] in ("OK", "Due soon")  # written on its new tab


def test_two_csv_files_are_one_pipeline(tmp_path):
    for name, rows in {"ann": [deal("A-1", "Acme", "Ann")],
                       "bob": [deal("B-1", "Beta", "Bob", **IDLE), deal("A-1", "Core", "Bob")]
                       }.items():
        lines = [",".join(HEADERS)] + [",".join("" if v is None else str(v) for v in r)
                                       for r in rows]
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    a, b = tmp_path / "ann.csv", tmp_path / "bob.csv"
    report = check([a, b], Config(), TODAY)
    assert report.titles() == ["ann", "bob"] and len(report.deals) == 3
    assert {f.cell for f in report.findings if f.code == "IDS002"} == {"ann!A2", "bob!A3"}
    out = run_cli(["check", a, b, *T, "--format", "json"], 1).stdout
    assert json.loads(out)["summary"]["sheets"] == ["ann", "bob"]
    run_cli(["check", a, tmp_path / "missing.csv", *T], 2, stderr="not found")


def test_one_tab_reports_as_before(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {"Deals": (HEADERS, [deal("D-1", "Acme", "Ann")])})
    report = check(path, Config(), TODAY)
    assert report.tabs == [] and "sheets" not in report.summary()
    assert report.statuses()[2].status == "OK"


def test_clean_covers_every_tab_of_several(people):
    """clean reads every deals tab as check does (issue 25; tests/operations/test_clean_cli
    applies and undoes such a plan); --sheet still chooses one."""
    before = people.read_bytes()
    run_cli(["clean", "ids", people], 0, stdout="No changes")
    run_cli(["clean", "ids", people, "--sheet", "Bob"], 0)
    assert people.read_bytes() == before


def test_monthly_snapshots_read_the_latest_as_the_pipeline(tmp_path):
    october = [deal(f"D-{i}", f"Co {i}", "Ann", stage="Discovery", proposal=None)
               for i in range(1, 5)]
    november = [deal(f"D-{i}", f"Co {i}", "Ann") for i in range(1, 6)]  # advanced, one new
    path = workbook(tmp_path / "t.xlsx", {"Nov 2026": (HEADERS, november),
                                          "Oct 2026": (HEADERS, october)})
    report = check(path, Config(), TODAY)
    assert report.titles() == ["Nov 2026"] and len(report.deals) == 5
    assert not [f for f in report.findings if f.code == "IDS002"]  # not duplicates
    assert report.skipped == [("Oct 2026", "an earlier snapshot of 'Nov 2026' (4 of its 4 "
                                           "Deal IDs are there too)")]
    out = " ".join(run_cli(["check", path, *T], 0).stdout.split())
    assert "skipped 'Oct 2026' (an earlier snapshot of 'Nov 2026'" in out


def test_a_likely_duplicate_on_another_tab_names_that_tab(tmp_path):
    header = [*HEADERS, "Contact"]
    path = workbook(tmp_path / "t.xlsx", {
        "Ann": (header, [deal("A-1", "Acme", "Ann") + ["Eva Berg"],
                         deal("A-2", "Core", "Ann") + ["Olof Sand"]]),
        "Bob": (header, [deal("B-1", "Beta", "Bob") + ["Ida Lund"],
                         deal("B-2", "Core", "Bob") + ["Olof Sand"]])})
    found = [(f.cell, f.message) for f in check(path, Config(), TODAY).findings
             if f.code == "IDS003"]
    assert len(found) == 1 and found[0][0].startswith("Bob!") and found[0][0].endswith("3")
    assert found[0][1].startswith("possible duplicate of Ann row 3: ")
