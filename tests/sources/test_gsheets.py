"""Google Sheets as a source and a run target, through the real gspread, google-auth and
requests stack talking HTTP to the in-process Sheets emulator (no mocks of gspread)."""

import datetime as dt
import json
import logging
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsales import check
from sheetsales.core.config import Config
from sheetsales.core.errors import SourceError, WriteConflict
from sheetsales.core.model import CellChange
from sheetsales.operations.run import run_target
from sheetsales.plan.make import make_plan
from sheetsales.sources import open_grid
from sheetsales.sources.gsheets import source as gsheets
from sheetsales.sources.gsheets.api import connect
from sheetsales.sources.gsheets.ids import GSheetSource, parse_source, resolve_credentials
from sheetsales.sources.gsheets.source import open_gsheet
from sheetsales.sources.gsheets.batch import cell_requests, retarget
from sheetsales.sources.gsheets.write import GSheetTarget

from sheets_client import person

TODAY = dt.date(2026, 11, 27)
HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due", "Status"]
# USER_ENTERED, as a person types: ISO dates become real dates, a leading ' keeps text as text
ROWS = [
    ["D-1", "Acme", "Ana", "Proposal", 1200, "2026-11-20", "", "", "Active"],
    ["D-2", "Beta", "Bo", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-24", "At Risk"],
    ["'0042", "'=HYPERLINK(\"http://evil\",\"Gamma\")", "Ana", "Won", 500, "2026-10-03",
     "2026-10-04", "2026-11-28", ""],
    ["D-4", "Delta", "Di", "Proposal", 900, "'03/04/2026", "", "", ""],
]
STATUS = slice(9, 13)  # J:M, the four status columns right of the user's own Status


@pytest.fixture
def env(google):
    return google


@pytest.fixture
def sleeps():
    return []


def load(emu, rows=ROWS, header=HEADER, **sheet):
    return emu.load({"title": "Pipeline", "sheets": [{"title": "Deals", "values": [header, *rows],
                                                      **sheet}]})


def target(emu, env, sid, sleeps=None, source=None):
    return GSheetTarget.open(source or f"gsheet:{sid}", environ=env,
                             sleep=(sleeps if sleeps is not None else []).append)


def calls(emu) -> list[str]:
    """The API requests made (token requests aside), as "METHOD path-tail"."""
    return [f"{r['method']} {r['path'].split('/')[-1].split(':')[-1]}" for r in emu.requests()
            if r["path"] != "/token"]


def values(emu, sid, title="Deals", render="UNFORMATTED_VALUE"):
    return next(s["values"] for s in emu.dump(sid, render)["sheets"] if s["title"] == title)


def status_of(emu, sid, deal_id):
    """The deal's Pipeline status and the first flag's code, wherever its row now is."""
    row = next(r for r in values(emu, sid) if r[0] == deal_id) + [""] * 13
    return (row[9] or None) and f"{row[9]} {row[10][:6]}".strip()


EXPECTED = ["OK", "Overdue DUE001", "Due soon DUE002", "Check DAT004"]  # D-1, D-2, 0042, D-4


# ---- SOURCE parsing and credentials -------------------------------------------------------

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xyz"


@pytest.mark.parametrize("text, tab", [
    (f"gsheet:{KEY}", None),
    (f"gsheet:{KEY}/Deals 2026", "Deals 2026"),
    (f"gsheet:{KEY}/Q1/Q2", "Q1/Q2"),
    (f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=123", 123),
    (f"https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing&gid=0", 0),
    (f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit", None),
])
def test_parse_source(text, tab):
    assert parse_source(text) == GSheetSource(KEY, tab)


@pytest.mark.parametrize("text, message", [
    ("gsheet:", "does not contain a spreadsheet key"),
    ("gsheet:a b/c", "does not contain a spreadsheet key"),
    ("https://docs.google.com/document/d/abc", "not a Google Sheets address"),
    ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQ/pubhtml", "published-to-the-web"),
    (f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=x", "not a worksheet number"),
])
def test_parse_source_refuses(text, message):
    with pytest.raises(SourceError, match=message):
        parse_source(text)


def test_credentials_resolution_order(tmp_path):
    a, b, c = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    for path in (a, b, c):
        path.write_text("{}")
    both = {"SHEETSALES_CREDENTIALS": str(b), "GOOGLE_APPLICATION_CREDENTIALS": str(c)}
    assert resolve_credentials(a, both) == a
    assert resolve_credentials(None, both) == b
    assert resolve_credentials(None, {"GOOGLE_APPLICATION_CREDENTIALS": str(c)}) == c
    with pytest.raises(SourceError) as caught:
        resolve_credentials(None, {})
    assert all(n in str(caught.value) for n in
               ("--credentials", "SHEETSALES_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"))
    with pytest.raises(SourceError, match=r"missing\.json \(from \$SHEETSALES_CREDENTIALS\)"):
        resolve_credentials(None, {"SHEETSALES_CREDENTIALS": str(tmp_path / "missing.json")})


def test_a_bad_api_override_is_refused(env):
    with pytest.raises(SourceError, match="SHEETSALES_GOOGLE_API='localhost:99' is not a URL"):
        connect(None, {**env, "SHEETSALES_GOOGLE_API": "localhost:99"})


def test_a_key_that_is_not_a_service_account_is_refused_without_echoing_it(tmp_path):
    user = tmp_path / "adc.json"
    user.write_text(json.dumps({"type": "authorized_user", "refresh_token": "1//SECRET-RT"}))
    with pytest.raises(SourceError, match="'authorized_user' credentials") as caught:
        connect(user, {})
    assert "SECRET" not in str(caught.value)
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "service_account", "private_key": "-----BEGIN SECRET')
    with pytest.raises(SourceError, match="not readable JSON") as caught:
        connect(broken, {})
    assert "SECRET" not in str(caught.value)


# ---- check ------------------------------------------------------------------------------------

def test_check_reads_serial_dates_text_dates_and_text_ids_in_two_requests(emu, env):
    sid = load(emu)
    grid = open_gsheet(f"gsheet:{sid}", environ=env)
    report = check(grid, Config(), TODAY)
    deals = {d.deal_id: d for d in report.deals}
    assert set(deals) == {"D-1", "D-2", "0042", "D-4"}  # "0042" stays text
    assert deals["D-2"].get("delivery_due") == dt.date(2026, 11, 24)  # a serial number
    assert deals["0042"].get("company") == '=HYPERLINK("http://evil","Gamma")'
    codes = {(f.deal_id, f.code) for f in report.findings}
    assert {("D-2", "DUE001"), ("0042", "DUE002"), ("D-4", "DAT004")} <= codes  # 03/04/2026
    assert report.summary()["source"] == f"gsheet:{sid}"
    assert calls(emu) == ["GET " + sid, "GET batchGet"]


def test_open_grid_dispatches_gsheet_sources(emu, env, monkeypatch):
    sid = load(emu)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert open_grid(f"gsheet:{sid}/Deals").sheet_names() == ["Deals"]


def test_a_missing_worksheet_lists_the_tabs(emu, env):
    sid = emu.load({"sheets": [{"title": "Deals", "values": [HEADER]},
                               {"title": "Products", "values": [["Product"]]}]})
    with pytest.raises(SourceError) as caught:
        open_gsheet(f"gsheet:{sid}/Dealz", environ=env)
    assert "no worksheet named 'Dealz'; its worksheets are 'Deals', 'Products'" in str(caught.value)
    with pytest.raises(SourceError, match=r"no worksheet with gid=77; .*'Deals' \(gid=0\)"):
        open_gsheet(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=77", environ=env)


def test_a_url_with_gid_reads_that_tab(emu, env):
    sid = emu.load({"sheets": [{"title": "Notes", "values": [["hello"]]},
                               {"title": "2026", "values": [HEADER, *ROWS]}]})
    gid = emu.dump(sid)["sheets"][1]["sheetId"]
    grid = open_gsheet(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gid}", environ=env)
    assert grid.sheet_names() == ["2026"] and grid.name == f"gsheet:{sid}/2026"
    assert check(grid, Config(), TODAY).sheet.title == "2026"


def test_an_empty_sheet_says_there_is_no_header(emu, env):
    sid = emu.load({"sheets": [{"title": "Sheet1", "values": []}]})
    with pytest.raises(SourceError, match="no header row found"):
        check(open_gsheet(f"gsheet:{sid}", environ=env), Config(), TODAY)


def test_a_large_unnamed_tab_is_read_head_first_then_whole(emu, env, monkeypatch):
    monkeypatch.setattr(gsheets, "FULL_READ_CELLS", 10)
    sid = emu.load({"sheets": [{"title": "Sheet1", "values": [HEADER, *ROWS]}]})
    report = check(open_gsheet(f"gsheet:{sid}", environ=env), Config(), TODAY)
    assert len(report.deals) == 4
    assert calls(emu) == ["GET " + sid, "GET batchGet", "GET batchGet"]


# ---- run ---------------------------------------------------------------------------------------

def test_first_run_writes_status_and_reminders_in_five_requests_second_run_in_three(emu, env):
    sid = load(emu)
    first = target(emu, env, sid)
    result = run_target(first, Config(), TODAY)
    assert calls(emu) == ["GET " + sid, "POST search", "GET batchGet",
                          "GET " + sid,  # the re-read
                          "POST batchUpdate"]  # columns inserted, claimed and written at once
    assert first.requests == 5
    assert result.written.startswith("wrote ") and result.written.endswith("; verified")
    assert "created the Reminders sheet (2 reminders)" in result.written
    rows = values(emu, sid, render="FORMATTED_VALUE")
    assert rows[0][STATUS] == ["Pipeline status", "Flags", "Next action", "Next action due"]
    assert [r[8] for r in rows[1:]] == ["Active", "At Risk", "", ""]  # the user's Status
    assert rows[2][STATUS] == ["Overdue", "DUE001 delivery 3 days overdue (due 2026-11-24)",
                               "Deliver (due 2026-11-24)", "2026-11-24"]  # a real date cell
    assert values(emu, sid)[2][12] == 46350  # stored as the serial number of 2026-11-24
    reminders = values(emu, sid, "Reminders")
    assert reminders[0] == ["Owner", "Deal ID", "Company", "Action", "Due", "Days overdue",
                            "Status", "Row", "Notes", "Done"]
    assert [r[:2] for r in reminders[1:]] == [["Ana", "0042"], ["Bo", "D-2"]]
    ss = emu.state.api.spreadsheets[sid]
    marks = {(m.get("metadataKey"), m.get("metadataValue")): m["location"]
             for m in ss.developer_metadata}
    assert marks[("sheetsales_owned", "reminders")]["sheetId"] == ss.find_sheet("Reminders").id
    assert marks[("sheetsales_column", "status")]["dimensionRange"]["startIndex"] == 9

    emu.clear_requests()
    again = run_target(target(emu, env, sid), Config(), TODAY)
    assert again.plan.empty and again.written is None
    assert calls(emu) == ["GET " + sid, "POST search", "GET batchGet"]


def test_next_day_rewrites_only_what_changed(emu, env):
    sid = load(emu)
    run_target(target(emu, env, sid), Config(), TODAY)
    emu.clear_requests()
    later = run_target(target(emu, env, sid), Config(), TODAY + dt.timedelta(days=1))
    assert {c.cell for c in later.plan.changes} == {"K3", "J4", "K4"}
    assert calls(emu) == ["GET " + sid, "POST search", "GET batchGet",
                          "GET " + sid,  # the re-read, with entered and computed values
                          "POST batchUpdateByDataFilter", "POST batchUpdate"]  # six in all
    assert later.written.endswith("; verified")
    assert values(emu, sid, "Reminders")[2][5] == 4  # D-2 is one more day overdue
    assert emu.dump(sid)["sheets"][1]["sheetId"] == emu.state.api.spreadsheets[sid] \
        .find_sheet("Reminders").id  # rewritten in place, same sheet


def test_user_text_is_written_as_text_never_as_formula_or_number(emu, env):
    sid = load(emu)
    run_target(target(emu, env, sid), Config(), TODAY)
    reminders = values(emu, sid, "Reminders", render="FORMULA")
    assert reminders[1][1:3] == ["0042", '=HYPERLINK("http://evil","Gamma")']
    cell = emu.state.api.spreadsheets[sid].find_sheet("Reminders").cells[(1, 2)]
    assert cell.formula is None and cell.value.startswith("=HYPERLINK")
    assert values(emu, sid, "Reminders")[1][1] == "0042"  # not the number 42


def test_new_columns_beyond_the_grid_are_added_first(emu, env):
    sid = load(emu, columnCount=9)
    result = run_target(target(emu, env, sid), Config(), TODAY)
    assert result.written.endswith("verified")
    assert emu.dump(sid)["sheets"][0]["columnCount"] == 13


def test_owned_columns_follow_a_column_inserted_by_a_person(emu, env):
    sid = load(emu)
    run_target(target(emu, env, sid), Config(), TODAY)
    with person(emu) as client:
        client.open_by_key(sid).sheet1.insert_cols([["Region"]], col=1)
    again = run_target(target(emu, env, sid), Config(), TODAY)
    assert again.plan.empty
    assert values(emu, sid)[0][10:14] == ["Pipeline status", "Flags", "Next action",
                                          "Next action due"]


def test_a_users_reminders_sheet_is_refused(emu, env):
    sid = emu.load({"sheets": [{"title": "Deals", "values": [HEADER, *ROWS]},
                               {"title": "Reminders", "values": [["my notes"]]}]})
    with pytest.raises(WriteConflict, match="did not create"):
        run_target(target(emu, env, sid), Config(), TODAY)
    assert values(emu, sid, "Reminders") == [["my notes"]]


# ---- rows moved between our read and our write -------------------------------------------------

def _sort_by_company_descending(emu, sid):
    with person(emu) as client:
        client.open_by_key(sid).sheet1.sort((2, "des"), range="A2:M5")


def test_a_sort_before_the_write_is_followed_by_deal_id(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    _sort_by_company_descending(emu, sid)
    emu.clear_requests()
    summary = t.write(plan)
    assert "row(s) had moved since the read and were found again by Deal ID" in summary
    assert [status_of(emu, sid, d) for d in ("D-1", "D-2", "0042", "D-4")] == EXPECTED
    reminders = values(emu, sid, "Reminders")
    rows = {r[0]: i + 1 for i, r in enumerate(values(emu, sid))}
    assert {r[1]: r[7] for r in reminders[1:]} == {"0042": rows["0042"], "D-2": rows["D-2"]}
    assert calls(emu) == ["GET " + sid, "POST batchUpdate"]


@pytest.mark.parametrize("mutation", [
    {"action": "sort", "range": "Deals!A2:Z5", "column": "B", "descending": True},
    {"action": "insert_row", "sheet": "Deals", "index": 2, "values": ["D-9", "Newco"]},
])
def test_a_sort_or_insert_during_the_write_is_put_right_in_seven_requests(emu, env, mutation):
    sid = load(emu)
    # runs after the re-read, just before the cells are written
    emu.queue_mutation({**mutation, "before": {"method": "POST", "path_contains": ":batchUpdate"}})
    result = run_target(target(emu, env, sid), Config(), TODAY)
    assert "rows moved during the write" in result.written
    assert [status_of(emu, sid, d) for d in ("D-1", "D-2", "0042", "D-4")] == EXPECTED
    if mutation["action"] == "insert_row":
        assert status_of(emu, sid, "D-9") is None  # the new row got nothing of ours
    assert calls(emu)[5:] == ["POST batchUpdateByDataFilter",  # the repair, through the records
                              "POST batchUpdate"]  # and the Reminders, verifying it
    emu.clear_requests()
    next_run = run_target(target(emu, env, sid), Config(), TODAY)
    assert {c.cell[0] for c in next_run.plan.changes} <= {"J", "K", "L"}  # only D-9's, if any


def test_a_vanished_deal_id_stops_the_write_and_writes_nothing(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    with person(emu) as client:
        client.open_by_key(sid).sheet1.update_acell("A3", "D-22")
    before = emu.dump(sid)
    with pytest.raises(WriteConflict, match="deal 'D-2' is no longer in the sheet"):
        t.write(plan)
    assert emu.dump(sid) == before


def test_a_duplicated_deal_id_stops_the_write(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    with person(emu) as client:
        client.open_by_key(sid).sheet1.insert_row(["D-2", "Beta copy"], index=6)
    with pytest.raises(WriteConflict, match="'D-2' now on rows 3, 6"):
        t.write(plan)


def test_an_inserted_column_stops_the_write(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    with person(emu) as client:
        client.open_by_key(sid).sheet1.insert_cols([["Region"]], col=2)
    with pytest.raises(WriteConflict, match="columns of Deals changed"):
        t.write(plan)


def test_without_a_deal_id_column_rows_are_found_by_company_and_owner(emu, env):
    header = [h for h in HEADER if h != "Deal ID"]
    sid = load(emu, [r[1:] for r in ROWS], header)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    with person(emu) as client:
        client.open_by_key(sid).sheet1.sort((1, "des"), range="A2:L5")
    assert "found again by Deal ID" in t.write(plan)
    rows = {r[0]: r[8] for r in values(emu, sid)[1:]}
    assert rows == {"Delta": "Check", "Beta": "Overdue", "Acme": "OK",  # Delta: DAT004
                    '=HYPERLINK("http://evil","Gamma")': "Due soon"}


@given(st.permutations(list(range(2, 12))))
def test_retarget_follows_any_permutation_of_unique_ids(order):
    before = {r: (f"D-{r}",) for r in range(2, 12)}
    now = {new: before[old] for new, old in zip(range(2, 12), order)}
    mapping, problems = retarget(before, before, now)
    assert not problems
    assert all(now[mapping[r]] == before[r] for r in before)


def test_retarget_refuses_blank_ids_once_rows_moved():
    before = {2: ("A",), 3: None, 4: ("B",)}
    assert retarget({3}, before, before) == ({3: 3}, [])
    _, problems = retarget({3}, before, {2: ("B",), 3: None, 4: ("A",)})
    assert problems == ["rows moved and row 3 has no Deal ID to find it by"]


def test_cell_requests_merge_rows_and_keep_user_formats():
    cells = {(r, c): f"v{r}{c}" for r in (1, 2, 3) for c in (9, 10, 11)}
    cells |= {(r, 12): dt.date(2026, 11, 24) for r in (1, 2, 3)}
    cells[(7, 1)] = "=SUM(A1)"
    requests = [r["updateCells"] for r in cell_requests(0, cells, owned_columns={9, 10, 11, 12})]
    assert [(r["start"]["rowIndex"], r["start"]["columnIndex"], len(r["rows"]), r["fields"])
            for r in requests] == [
        (7, 1, 1, "userEnteredValue"),  # a user column: its number format is left alone
        (1, 9, 3, "userEnteredValue,userEnteredFormat.numberFormat")]
    assert requests[0]["rows"][0]["values"][0] == {"userEnteredValue": {"stringValue": "=SUM(A1)"}}
    assert requests[1]["rows"][0]["values"][3] == {
        "userEnteredValue": {"numberValue": 46350},
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}}


def test_emulator_batch_update_answers_with_response_ranges(emu):
    """The emulator addition this module relies on: includeSpreadsheetInResponse with
    responseRanges and responseIncludeGridData, as the Sheets API documents them."""
    sid = load(emu)
    with person(emu) as client:
        ss = client.open_by_key(sid)
        write = {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 9},
                                 "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                                 "fields": "userEnteredValue"}}
        answer = ss.batch_update({"requests": [write], "includeSpreadsheetInResponse": True,
                                  "responseRanges": ["Deals!J1:J3", "Deals!A2"],
                                  "responseIncludeGridData": True})
        data = answer["updatedSpreadsheet"]["sheets"][0]["data"]
        assert data[0] == {"startColumn": 9, "rowData": [{}, {"values": [
            {"userEnteredValue": {"stringValue": "x"}, "effectiveValue": {"stringValue": "x"},
             "formattedValue": "x"}]}]}
        assert data[1]["startRow"] == 1 and data[1]["rowData"][0]["values"][0][
            "userEnteredValue"] == {"stringValue": "D-1"}
        bare = ss.batch_update({"requests": [write], "includeSpreadsheetInResponse": True})
        assert "data" not in bare["updatedSpreadsheet"]["sheets"][0]
        before = emu.dump(sid)
        with pytest.raises(Exception, match="Unable to parse range"):
            ss.batch_update({"requests": [{**write, "updateCells": {
                **write["updateCells"], "rows": [{"values": [{"userEnteredValue": {
                    "stringValue": "y"}}]}]}}], "includeSpreadsheetInResponse": True,
                "responseRanges": ["Nope!A1"], "responseIncludeGridData": True})
        assert emu.dump(sid) == before  # the whole batch was refused


# ---- undo / clean path -------------------------------------------------------------------------

def test_apply_cells_writes_back_and_refuses_stale_cells(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    run_target(t, Config(), TODAY)
    written = t.written
    assert CellChange.of("Deals", "J3", None, "Overdue") in written
    undo = target(emu, env, sid)
    report = check(undo.grid, Config(), TODAY)
    summary = undo.apply_cells([CellChange.of(c.sheet, c.cell, c.new, c.old) for c in written],
                               deals=report.sheet)
    assert summary.startswith(f"wrote {len(written)} cells") and summary.endswith("verified")
    assert all(len(r) <= 9 for r in values(emu, sid)[1:])  # status cells emptied
    with pytest.raises(WriteConflict, match="changed since they were recorded"):
        target(emu, env, sid).apply_cells([CellChange.of("Deals", "B2", "Not Acme", "X")])


def test_apply_cells_refuses_a_cell_a_person_edited_after_the_read(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    report = check(t.grid, Config(), TODAY)
    with person(emu) as client:
        sheet = client.open_by_key(sid).sheet1
        sheet.update_acell("C2", "Anna")
        sheet.insert_row(["D-0", "Zeta"], index=2)  # and the row moved down meanwhile
    with pytest.raises(WriteConflict, match=r"1 cell\(s\) of Deals changed since sheetsales "
                                            r"read them \(C3 \(was C2\)\)"):
        t.apply_cells([CellChange.of("Deals", "C2", "Ana", "Ann")], deals=report.sheet)
    assert values(emu, sid)[2][2] == "Anna"


# ---- faults --------------------------------------------------------------------------------------

def test_a_429_storm_is_retried_with_bounded_backoff(emu, env, sleeps):
    sid = load(emu)
    emu.queue_errors(429, count=3, method="GET")
    emu.queue_errors(429, count=2, method="POST", path_contains="batchUpdate")
    result = run_target(target(emu, env, sid, sleeps), Config(), TODAY)
    assert result.written.endswith("verified")
    assert len(sleeps) == 5 and all(0.5 <= s <= 4 for s in sleeps)  # 1 s, 2 s, 4 s, jittered
    assert [c for c in calls(emu) if c.endswith("batchUpdate")] == ["POST batchUpdate"] * 3
    assert run_target(target(emu, env, sid), Config(), TODAY).plan.empty  # landed once, complete


def test_persistent_503_is_one_sentence_after_bounded_tries(emu, env, sleeps):
    sid = load(emu)
    emu.queue_errors(503, count=100)
    with pytest.raises(SourceError) as caught:
        target(emu, env, sid, sleeps)
    message = str(caught.value)
    assert message.startswith("Google Sheets kept failing (503 server error) to read spreadsheet")
    assert "after 6 tries" in message and message.count(". ") == 0 and "\n" not in message
    assert len(sleeps) == 5 and sum(sleeps) <= 31
    assert len(calls(emu)) == 6


def test_a_failed_write_retried_after_a_lost_reply_lands_once(emu, env, sleeps):
    sid = load(emu)
    emu.queue_errors(503, count=1, method="POST", path_contains="batchUpdate", apply=True)
    with pytest.raises(SourceError, match="the first try most likely landed"):
        run_target(target(emu, env, sid, sleeps), Config(), TODAY)
    # the first try had landed; the retry was refused as a whole, so nothing is doubled
    ss = emu.state.api.spreadsheets[sid]
    assert sum(m.get("metadataKey") == "sheetsales_column" for m in ss.developer_metadata) == 4
    assert run_target(target(emu, env, sid), Config(), TODAY).plan.empty  # it had all landed
    assert sum(m.get("metadataKey") == "sheetsales_column" for m in ss.developer_metadata) == 4


def test_a_sheet_not_shared_names_the_service_account(emu, env):
    sid = emu.load({"private": True, "sheets": [{"title": "Deals", "values": [HEADER]}]})
    with pytest.raises(SourceError) as caught:
        open_gsheet(f"gsheet:{sid}", environ=env)
    assert ("share the sheet with sheetsales-test@sheetsales-emulator.iam.gserviceaccount.com "
            "as Editor") in str(caught.value)
    with pytest.raises(SourceError, match="found no spreadsheet 1nope"):
        open_gsheet("gsheet:1nopenopenope", environ=env)


def test_a_revoked_key_is_one_sentence(emu, env):
    sid = load(emu)
    t = target(emu, env, sid)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    emu.revoke_tokens(refuse_grants=True)
    with pytest.raises(SourceError) as caught:
        t.write(plan)
    assert str(caught.value).startswith("Google refused to sign in the service account "
                                        "sheetsales-test@")
    assert "(invalid_grant)" in str(caught.value)


def test_secrets_never_reach_messages_or_logs(emu, env, caplog, sleeps, monkeypatch):
    caplog.set_level(logging.DEBUG)
    google = logging.getLogger("google")
    monkeypatch.setattr(google, "propagate", True)
    monkeypatch.setattr(google, "level", logging.DEBUG)
    key = json.loads(Path(env["SHEETSALES_CREDENTIALS"]).read_text())
    sid = load(emu)
    private = emu.load({"private": True, "sheets": [{"title": "Deals"}]})
    failures = []
    t = target(emu, env, sid, sleeps)
    plan = make_plan(t, check(t.grid, Config(), TODAY), Config())
    for trigger in (lambda: open_gsheet(f"gsheet:{private}", environ=env),
                    lambda: emu.queue_errors(500, count=100) or target(emu, env, sid, sleeps)):
        with pytest.raises(SourceError) as caught:
            trigger()
        failures.append(caught.value)
    emu.state.errors.clear()
    emu.revoke_tokens(refuse_grants=True)
    with pytest.raises(SourceError) as caught:
        t.write(plan)
    failures.append(caught.value)
    records = "".join(repr(vars(r)) for r in caplog.records)  # extras included
    text = caplog.text + records + "".join("".join(traceback.format_exception(f)) + repr(f)
                                           for f in failures)
    body = key["private_key"].split("-----")[2].strip().splitlines()
    assert not any(line in text for line in body)
    assert "ya29." not in text and "Bearer" not in text and "private_key" not in text
    assert "eyJ" not in text  # nor the signed JWT assertion exchanged for tokens


GOOGLE_RUN = """
import datetime, json, os, sys, tempfile
from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key
before = set(sys.modules)
with Emulator() as emu, tempfile.TemporaryDirectory() as folder:
    key = os.path.join(folder, "key.json")
    with open(key, "w") as out:
        out.write(json.dumps(make_service_account_key(emu.url)))
    os.environ.update(SHEETSALES_CREDENTIALS=key, SHEETSALES_GOOGLE_API=emu.url)
    os.chdir(folder)
    sid = emu.load({"title": "P", "sheets": [{"title": "Deals", "values": [
        ["Deal ID", "Company", "Owner", "Stage", "Amount"], ["D-1", "Acme", "Ann", "Lead", 1]]}]})
    import sheetsales
    assert sheetsales.run(f"gsheet:{sid}", sheetsales.load_config(),
                          datetime.date(2026, 11, 27)).written
print(sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("lxml", "openpyxl")
             or m.startswith("sheetsales.sources.xlsx")))
"""


def test_a_google_run_imports_no_excel_reader_or_writer():
    """A Google Sheets run does not pay for the Excel code (lxml and the writer, ~13 ms)."""
    done = subprocess.run([sys.executable, "-c", GOOGLE_RUN], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
