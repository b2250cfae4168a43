"""Golden renderings of one report as table, JSON and CSV.
Regenerate after an intended change with SHEETSALES_UPDATE_GOLDEN=1 and review the diff."""

import datetime as dt
import os
from pathlib import Path

import pytest

from sheetsales import check
from sheetsales.core.config import Config
from sheetsales.plan.render import render, safe_csv_text
from sheetsales.sources import MemoryGrid

GOLDEN = Path(__file__).parent / "golden"
D = dt.date
ROWS = [
    ["Pipeline export", None, None, None, None, None, None, None],
    ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on", "Delivery due"],
    ["D-1", "Acme", "Ana", "Proposal", 1200, D(2026, 11, 20), None, None],
    ["D-2", "Beta", "Bo", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 24)],
    [None] * 8,
    ["D-3", "=cmd|' /C calc'!A0", None, "Proposl", "abc", "03/04/2026", None, None],
    ["D-3", "Gamma", "Cy", "Lost", None, None, None, None],
]


def report():
    return check(MemoryGrid({"Deals": ROWS}, name="golden.xlsx"), Config(), D(2026, 11, 27))


@pytest.mark.parametrize("fmt,suffix", [("table", "txt"), ("json", "json"), ("csv", "csv")])
def test_golden(fmt, suffix):
    path = GOLDEN / f"report.{suffix}"
    text = render(report(), fmt)
    if os.environ.get("SHEETSALES_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("text,escaped", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (12, 12),
])
def test_csv_escaping(text, escaped):
    assert safe_csv_text(text) == escaped


def test_statuses_in_order():
    rep = report()
    statuses = {row: s.status for row, s in rep.statuses().items()}
    assert statuses == {3: "OK", 4: "Overdue", 6: "Invalid", 7: "Invalid"}
    won = rep.statuses()[4]
    assert won.next_action == "Deliver (due 2026-11-24)" and won.next_action_due == D(2026, 11, 24)
    assert won.flags == "DUE001 delivery 3 days overdue (due 2026-11-24)"


# ---- generated sheets shaped like real ones (tests/support/report_fixtures.py) ---------------------

import json  # noqa: E402

from report_fixtures import (TODAY, big_rows, bare_rows, hubspot_rows, template_rows,  # noqa: E402
                             write_csv)
from helpers import run_cli  # noqa: E402


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # sources named as a user types them: "template.csv"


def check_csv(tmp_path, name, rows, *args, exit_code=0):
    write_csv(tmp_path / f"{name}.csv", rows)
    return run_cli(["check", f"{name}.csv", "--today", TODAY.isoformat(), *args], exit_code)


def test_template_is_no_longer_all_clear(tmp_path):
    """Every open deal of the template is past its expected close and idle since its Stage
    Change Date: 112 of each, two groups, and never "Everything is in order"."""
    out = check_csv(tmp_path, "template", template_rows()).stdout
    lines = out.splitlines()
    assert lines[0] == ("150 deals checked in template.csv (sheet 'template', header row 1), "
                        "today 2025-12-06: 0 errors, 224 warnings, 0 notices (2 causes).")
    assert lines[2] == "Overdue 0 · due this week 0 · stale forecast 112 · idle 112."
    flat = out.replace("\n  ", " ")  # the understanding block wraps at 100 characters
    assert 'Stage since ← "Stage Change Date"' in flat
    assert 'Expected close ← "Expected Close Date"' in flat
    assert 'warning DUE007 ×112  "Expected Close Date": 112 rows (2-113)' in out
    assert 'warning IDL001 ×112  "Stage Change Date": 112 rows (2-113)' in out
    assert "Deliveries: not checked, 20 Won deals, but the sheet has no Delivery due column." in out
    assert "Everything is in order" not in out
    assert len(lines) <= 30
    data = json.loads(check_csv(tmp_path, "template", template_rows(), "--format", "json").stdout)
    assert data["summary"]["by_code"] == {"DUE007": 112, "IDL001": 112}
    assert [g["count"] for g in data["groups"]] == [112, 112]
    assert data["summary"]["all_checked"] is False
    assert data["summary"]["not_checked"] == ["step_dates", "next_steps", "deliveries"]
    stale = next(f for f in data["findings"] if f["code"] == "DUE007")
    assert stale["column"] == "Expected Close Date" and "days ago" in stale["message"]


def test_stale_forecast_message_and_status(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Expected close"],
            ["D-1", "Acme", "Ana", "Proposal", "2025-09-30"]]
    data = json.loads(check_csv(tmp_path, "one", rows, "--format", "json").stdout)
    (finding,) = data["findings"]
    assert finding["message"] == "expected to close 2025-09-30, 67 days ago"
    assert "Won or Lost" in finding["hint"] and finding["cell"] == "one!E2"
    from sheetsales import check
    from sheetsales.sources import MemoryGrid
    report = check(MemoryGrid({"Deals": rows}), Config(), TODAY)
    assert report.statuses()[2].status == "Check"  # not Overdue: not a reminder item
    from sheetsales.rules import DUE_KINDS
    assert "DUE007" not in DUE_KINDS


def test_bare_sheet_says_what_it_could_not_check(tmp_path):
    out = check_csv(tmp_path, "bare", bare_rows()).stdout
    assert "Everything is in order" not in out
    for line in (
            "Idle deals: not checked, 12 open deals, but the sheet has no Last contact, stage "
            "date or Stage Change Date column.",
            "Stale forecasts: not checked, 12 open deals, but the sheet has no Expected close "
            "(Close Date) column.",
            "Deliveries: not checked, 4 Won deals, but the sheet has no Delivery due column."):
        assert line in out.replace("\n  ", " ")
    assert out.rstrip().endswith("5 of 8 kinds of check could not run (see \"not checked\" above).")
    data = json.loads(check_csv(tmp_path, "bare", bare_rows(), "--format", "json").stdout)
    checks = {c["family"]: c for c in data["checks"]}
    assert checks["idle"]["checked"] is False and "Last contact" in checks["idle"]["reason"]
    assert checks["ids"] == {"family": "ids", "name": "Deal IDs", "codes": ["IDS001", "IDS002"],
                             "checked": True, "uses": ["ID"], "reason": None}


def test_all_clear_only_when_every_family_ran():
    from sheetsales import check
    from sheetsales.sources import MemoryGrid
    rows = [["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Last contact",
             "Expected close", "Next step due"],
            ["D-1", "Acme", "Ana", "Proposal", 100, D(2025, 12, 1), D(2025, 12, 2),
             D(2026, 1, 31), D(2025, 12, 12)]]
    report = check(MemoryGrid({"Deals": rows}, name="fine.xlsx"), Config(), TODAY)
    # no Won or Delivered deal: deliveries and follow-ups have nothing to look at
    assert report.all_checked() and not report.findings
    assert render(report, "table").endswith("Everything is in order.\n")


def test_hubspot_export_reads_stage_entry_columns(tmp_path):
    out = check_csv(tmp_path, "hubspot", hubspot_rows()).stdout
    assert 'Proposal sent ← "hs_date_entered_contractsent" (entered Proposal)' in \
        out.replace("\n  ", " ")
    data = json.loads(check_csv(tmp_path, "hubspot", hubspot_rows(), "--format", "json").stdout)
    understood = {c["field"]: c for c in data["understanding"]["columns"]}
    assert understood["confirmed_on"]["how"] == "stage entry"
    assert understood["confirmed_on"]["stage"] == "Won"
    assert understood["lost_on"]["header"] == "hs_date_entered_closedlost"
    ignored = {i["header"]: i["reason"] for i in data["understanding"]["ignored"]}
    assert "not a known stage" in ignored["hs_date_entered_appointmentscheduled"]
    assert any("Last Modified Date" in note for note in data["understanding"]["notes"])
    found = {(f["code"], f["deal_id"]): f for f in data["findings"]}
    # the stale proposal: idle since it entered Proposal, although edited yesterday
    assert set(found) == {("IDL001", "9002"), ("DUE007", "9002")}
    assert found["IDL001", "9002"]["message"].endswith("since 2025-09-01)")
    assert found["IDL001", "9002"]["column"] == "hs_date_entered_contractsent"


def test_snoozed_and_lost_stale_deals_are_silent(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Expected close", "Snooze until"],
            ["D-1", "Acme", "Ana", "Proposal", "2025-09-30", "2025-12-31"],
            ["D-2", "Beta", "Ana", "Lead", "2025-10-30", "2026-01-15"],
            ["D-3", "Gamma", "Bo", "Lost", "2025-08-01", ""],
            ["D-4", "Delta", "Bo", "Closed Lost", "2025-07-01", ""]]
    data = json.loads(check_csv(tmp_path, "snoozed", rows, "--format", "json").stdout)
    assert data["findings"] == [] and data["summary"]["by_code"] == {}


def test_stage_since_and_history_clock_latest_wins():
    from sheetsales import check
    from sheetsales.sources import MemoryGrid
    rows = [["Deal ID", "Company", "Owner", "Stage", "Stage since"],
            ["D-1", "Acme", "Ana", "Discovery", D(2025, 10, 1)],
            ["D-2", "Beta", "Ana", "Discovery", D(2025, 10, 1)]]
    since = {"D-1": ("discovery", D(2025, 11, 30)),  # the history saw the stage change later
             "D-2": ("proposal", D(2025, 11, 30))}  # another stage: the history does not count
    report = check(MemoryGrid({"Deals": rows}), Config(), TODAY, stage_since=since)
    assert [f.row for f in report.findings if f.code == "IDL001"] == [3]


def test_ten_thousand_rows_fit_a_screen_and_json_keeps_every_finding(tmp_path):
    rows = big_rows()
    out = check_csv(tmp_path, "big", rows, exit_code=1).stdout
    lines = out.splitlines()
    assert len(lines) <= 60
    assert lines[0].startswith("10000 deals checked in big.csv")
    assert "error   STG001 ×1429  \"Stage\" 'Pitched': 1429 rows" in out
    assert "error   IDS002 ×40  \"Deal ID\": 40 rows (500-501, 1000-1001" in out
    assert "warning DUE007 ×" in out and "warning IDL001 ×" in out
    everything = check_csv(tmp_path, "big", rows, "--all", exit_code=1).stdout
    assert len(everything.splitlines()) > 12_000
    data = json.loads(check_csv(tmp_path, "big", rows, "--format", "json", exit_code=1).stdout)
    assert len(data["findings"]) == data["summary"]["findings"] == \
        sum(g["count"] for g in data["groups"])
    assert {f["group"] for f in data["findings"]} == set(range(1, len(data["groups"]) + 1))
    text = check_csv(tmp_path, "big", rows, "--format", "csv", exit_code=1).stdout
    assert len(text.splitlines()) == len(data["findings"]) + 1
    assert text.splitlines()[0].endswith(",due,group")


def test_group_row_ranges():
    from sheetsales.plan.groups import row_ranges
    assert row_ranges([2, 3, 4, 7, 9, 10]) == "2-4, 7, 9-10"
    assert row_ranges([]) == ""
