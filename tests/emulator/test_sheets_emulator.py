"""The Sheets API emulator: its pure parts directly, and the rest through the real gspread,
google-auth and requests stack over HTTP on loopback (no mocks)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest
import requests
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError, SpreadsheetNotFound
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsales.emulator.a1 import RangeParseError, Ref, column_index, column_letters, parse_range, quote_title
from sheetsales.emulator.cells import format_number, format_datetime, parse_user_entered
from sheetsales.emulator.formulas import evaluate
from sheetsales.emulator.sheets_emulator import (
    Emulator, HookClient, gspread_client, make_service_account_key, route_session,
)

TODAY = dt.date(2026, 3, 1)
MARCH_4 = 46085  # the serial number of 2026-03-04
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.fixture
def spreadsheet(client):
    return client.create("Pipeline")


def error_of(caught) -> dict:
    return caught.value.response.json()["error"]


# ---- A1 notation ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, sheet, ref", [
    ("Sheet1!A1:B2", "Sheet1", Ref(0, 0, 2, 2)),
    ("'My Sheet'!C3", "My Sheet", Ref(2, 2, 3, 3, single_cell=True)),
    ("'O''Brien''s'!A:C", "O'Brien's", Ref(0, 0, None, 3)),
    ("Deals!2:5", "Deals", Ref(1, 0, 5, None)),
    ("Deals!A2:2", "Deals", Ref(1, 0, 2, None)),
    ("Deals!B2:A1", "Deals", Ref(0, 0, 2, 2)),
    ("Deals!$A$1", "Deals", Ref(0, 0, 1, 1, single_cell=True)),
    ("🌵 tab 1!A:A", "🌵 tab 1", Ref(0, 0, None, 1)),
    ("'Deals'", "Deals", None),
])
def test_parse_range(text, sheet, ref):
    parsed = parse_range(text)
    assert (parsed.sheet, parsed.ref) == (sheet, ref)


@pytest.mark.parametrize("text", ["", "Sheet1!A1:B2:C3", "Sheet1!", "'unterminated!A1", "''!A1", "Sheet1!A0", "Sheet1!1A"])
def test_parse_range_refuses(text):
    with pytest.raises(RangeParseError):
        parse_range(text)


@pytest.mark.parametrize("title, echoed", [
    ("Sheet1", "Sheet1"), ("Deals_2026", "Deals_2026"), ("My Sheet", "'My Sheet'"), ("O'Brien", "'O''Brien'"),
    ("A1", "'A1'"), ("R1C1", "'R1C1'"), ("2026", "'2026'"), ("Ventes été", "'Ventes été'"),
])
def test_quote_title_quotes_only_when_needed(title, echoed):
    assert quote_title(title) == echoed


@given(st.integers(0, 18277))
def test_column_letters_round_trip(index):
    assert column_index(column_letters(index)) == index


@given(TEXT.filter(bool))
def test_any_title_survives_quoting(title):
    assert parse_range(quote_title(title) + "!B2").sheet == title


# ---- USER_ENTERED parsing and rendering ----------------------------------------------------------

@pytest.mark.parametrize("typed, value, formula, number_format", [
    ("42", 42, None, None),
    ("0042", 42, None, None),
    ("'0042", "0042", None, None),
    ("-1,234.5", -1234.5, None, {"type": "NUMBER", "pattern": "#,##0.0"}),
    ("12%", 0.12, None, {"type": "PERCENT", "pattern": "0%"}),
    ("$1,234.50", 1234.5, None, {"type": "CURRENCY", "pattern": "$#,##0.00"}),
    ("true", True, None, None),
    ("2026-03-04", MARCH_4, None, {"type": "DATE", "pattern": "yyyy-mm-dd"}),
    ("3/4/2026", MARCH_4, None, {"type": "DATE", "pattern": "M/d/yyyy"}),
    ("3/4", MARCH_4, None, {"type": "DATE", "pattern": "M/d/yyyy"}),
    ("Mar 4, 2026", MARCH_4, None, {"type": "DATE", "pattern": "mmm d, yyyy"}),
    ("2026-03-04 18:00", MARCH_4 + 0.75, None, {"type": "DATE_TIME", "pattern": "yyyy-mm-dd H:mm:ss"}),
    ("2026-02-30", "2026-02-30", None, None),
    ("=SUM(A1:A3)", None, "=SUM(A1:A3)", None),
    ("Acme Ltd", "Acme Ltd", None, None),
    ("", None, None, None),
])
def test_user_entered_parsing(typed, value, formula, number_format):
    assert parse_user_entered(typed, TODAY) == (value, formula, number_format)


@pytest.mark.parametrize("number, number_format, shown", [
    (MARCH_4, {"type": "DATE", "pattern": "yyyy-mm-dd"}, "2026-03-04"),
    (MARCH_4, {"type": "DATE"}, "3/4/2026"),
    (MARCH_4 + 0.75, {"type": "DATE_TIME", "pattern": "dddd d mmmm yyyy h:mm am/pm"}, "Wednesday 4 March 2026 6:00 PM"),
    (1234.5, {"type": "NUMBER", "pattern": "#,##0.00"}, "1,234.50"),
    (0.125, {"type": "PERCENT", "pattern": "0.0%"}, "12.5%"),
    (-1234, {"type": "CURRENCY", "pattern": "$#,##0"}, "-$1,234"),
    (1 / 3, None, "0.3333333333"),
    (1e20, None, "1.00E+20"),
    (53, {"type": "TEXT"}, "53"),
])
def test_number_formats(number, number_format, shown):
    assert format_number(number, number_format) == shown


@given(st.dates(dt.date(1900, 3, 1), dt.date(2199, 12, 31)))
def test_typed_iso_dates_are_real_dates(day):
    serial, _, number_format = parse_user_entered(day.isoformat(), TODAY)
    assert serial == (day - dt.date(1899, 12, 30)).days
    assert format_datetime(serial, number_format["pattern"]) == day.isoformat()


@pytest.mark.parametrize("formula, expected", [
    ("=1+2*3", 7), ("=(1+2)*3", 9), ("=2^3-1", 7), ("=-A1", -10), ("=A1*B1", 25.0), ("=SUM(A1:B1)", 12.5),
    ('="a"&"b"&A1', "ab10"), ('=IF(A1>5,"big","small")', "big"), ("=ROUND(2.5)", 3), ("=10%", 0.1),
    ("=1/0", "#DIV/0!"), ("=VLOOKUP(1)", "#NAME?"), ("=1+", "#ERROR!"), ('=1+"x"', "#VALUE!"),
])
def test_formulas(formula, expected):
    def resolve(sheet, ref):
        grid = [[10, 2.5]]
        return [[grid[r][c] if r < 1 and c < 2 else None for c in range(ref.start_col, ref.end_col)]
                for r in range(ref.start_row, ref.end_row)]
    assert evaluate(formula, resolve) == expected


# ---- spreadsheets and values through gspread ------------------------------------------------------

def test_create_open_and_list(client, spreadsheet):
    assert [(w.title, w.id, w.row_count, w.col_count) for w in spreadsheet.worksheets()] == [("Sheet1", 0, 1000, 26)]
    assert client.open("Pipeline").id == spreadsheet.id
    assert [f["name"] for f in client.list_spreadsheet_files()] == ["Pipeline"]
    client.del_spreadsheet(spreadsheet.id)
    with pytest.raises(SpreadsheetNotFound):
        client.open_by_key(spreadsheet.id)


def test_sheets_api_create(client):
    created = client.http_client.request("post", "https://sheets.googleapis.com/v4/spreadsheets", json={
        "properties": {"title": "Made by the Sheets API"},
        "sheets": [{"properties": {"title": "Deals", "gridProperties": {"rowCount": 50, "columnCount": 8}}}]}).json()
    assert created["properties"]["title"] == "Made by the Sheets API"
    assert created["sheets"] == [{"properties": {"sheetId": 0, "title": "Deals", "index": 0, "sheetType": "GRID",
                                                 "gridProperties": {"rowCount": 50, "columnCount": 8}}}]
    assert created["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{created['spreadsheetId']}/edit"


def test_raw_keeps_strings_user_entered_parses_them(spreadsheet):
    ws = spreadsheet.sheet1
    typed = [["2026-03-04", "0042", "'0042", "TRUE", "=1+2", "12.50"]]
    ws.update(values=typed, range_name="A1", raw=True)
    ws.update(values=typed, range_name="A2", raw=False)
    assert ws.get("A1:F2") == [
        ["2026-03-04", "0042", "'0042", "TRUE", "=1+2", "12.50"],
        ["2026-03-04", "42", "0042", "TRUE", "3", "12.5"],
    ]
    assert ws.get("A2:F2", value_render_option="UNFORMATTED_VALUE") == [[MARCH_4, 42, "0042", True, 3, 12.5]]
    assert ws.get("A2:F2", value_render_option="FORMULA") == [[MARCH_4, 42, "0042", True, "=1+2", 12.5]]
    assert ws.get("A2", value_render_option="UNFORMATTED_VALUE",
                  date_time_render_option="FORMATTED_STRING") == [["2026-03-04"]]


def test_range_echoes_and_trimming(spreadsheet):
    spreadsheet.add_worksheet("O'Brien's deals", rows=10, cols=5)
    spreadsheet.sheet1.update(values=[["a", "", ""], ["", "", ""], ["", "b", ""]], range_name="A1")
    echoes = {text: spreadsheet.values_get(text)["range"] for text in [
        "Sheet1", "A:B", "3:4", "'Sheet1'!B2:A1", "Sheet1!C3", "'O''Brien''s deals'", "'O''Brien''s deals'!A2:2"]}
    assert echoes == {
        "Sheet1": "Sheet1!A1:Z1000", "A:B": "Sheet1!A1:B1000", "3:4": "Sheet1!A3:Z4", "'Sheet1'!B2:A1": "Sheet1!A1:B2",
        "Sheet1!C3": "Sheet1!C3", "'O''Brien''s deals'": "'O''Brien''s deals'!A1:E10",
        "'O''Brien''s deals'!A2:2": "'O''Brien''s deals'!A2:E2",
    }
    assert spreadsheet.values_get("A1:C4")["values"] == [["a"], [], ["", "b"]]
    assert "values" not in spreadsheet.values_get("D1:E4")
    columns = spreadsheet.values_get("A1:C4", params={"majorDimension": "COLUMNS"})
    assert (columns["majorDimension"], columns["values"]) == ("COLUMNS", [["a"], ["", "", "b"]])


def test_batch_get_and_batch_update(spreadsheet):
    ws = spreadsheet.sheet1
    reply = ws.batch_update([{"range": "A1:B1", "values": [["Deal", "Owner"]]},
                             {"range": "A3", "values": [["Acme"]]}])
    assert {k: v for k, v in reply.items() if k.startswith("total")} == {
        "totalUpdatedRows": 2, "totalUpdatedColumns": 2, "totalUpdatedCells": 3, "totalUpdatedSheets": 1}
    assert [r["updatedRange"] for r in reply["responses"]] == ["Sheet1!A1:B1", "Sheet1!A3"]
    assert ws.batch_get(["A1:B1", "A:A"]) == [[["Deal", "Owner"]], [["Deal"], [], ["Acme"]]]
    with pytest.raises(APIError) as caught:
        ws.batch_update([{"range": "A1", "values": [["kept?"]]}, {"range": "Nope!A1", "values": [["x"]]}])
    assert error_of(caught)["message"] == "Invalid data[1]: Unable to parse range: 'Sheet1'!Nope!A1"
    assert ws.acell("A1").value == "Deal"  # all or nothing


def test_append_rows_finds_the_table_and_grows_the_grid(spreadsheet):
    ws = spreadsheet.add_worksheet("Deals", rows=2, cols=3)
    ws.update(values=[["Deal", "Stage"]], range_name="A1")
    reply = ws.append_rows([["Acme", "Won"], ["Beta", "Lost"], ["Gamma", "Lead"]])
    assert reply["tableRange"] == "Deals!A1:B1"
    assert reply["updates"]["updatedRange"] == "Deals!A2:B4"
    assert spreadsheet.worksheet("Deals").row_count == 4
    assert ws.get_all_values()[-1] == ["Gamma", "Lead"]
    ws.append_row(["Delta"], table_range="A1", insert_data_option="INSERT_ROWS")
    assert ws.col_values(1) == ["Deal", "Acme", "Beta", "Gamma", "Delta"]


def test_writes_must_fit_the_range_and_the_grid(spreadsheet):
    ws = spreadsheet.add_worksheet("Small", rows=2, cols=2)
    with pytest.raises(APIError) as caught:
        ws.update(values=[["a", "b", "c"]], range_name="A1")
    assert error_of(caught) == {"code": 400, "status": "INVALID_ARGUMENT",
                                "message": "Range (Small!A1:C1) exceeds grid limits. Max rows: 2, max columns: 2"}
    with pytest.raises(APIError) as caught:
        ws.update(values=[["a"], ["b"]], range_name="A1:B1")
    assert error_of(caught)["message"] == "Requested writing within range ['Small'!A1:B1], but tried writing to row [2]"
    with pytest.raises(APIError) as caught:
        ws.get("A1:C3")
    assert "exceeds grid limits" in error_of(caught)["message"]


def test_sort_and_dimensions(spreadsheet):
    ws = spreadsheet.sheet1
    ws.update(values=[["Deal", "Amount"], ["b", 20], ["c", ""], ["a", 30]], range_name="A1")
    ws.sort((2, "des"), range="A2:B4")
    assert ws.get_all_values() == [["Deal", "Amount"], ["a", "30"], ["b", "20"], ["c", ""]]
    ws.insert_row(["new", 5], index=2)
    ws.delete_rows(4)
    assert ws.get_all_values() == [["Deal", "Amount"], ["new", "5"], ["a", "30"], ["c", ""]]
    assert spreadsheet.worksheet("Sheet1").row_count == 1000


def test_add_rename_and_delete_worksheets(spreadsheet):
    deals = spreadsheet.add_worksheet("Deals", rows=5, cols=5)
    with pytest.raises(APIError) as caught:
        spreadsheet.add_worksheet("Deals", rows=5, cols=5)
    assert error_of(caught)["message"] == ('Invalid requests[0].addSheet: A sheet with the name "Deals" already '
                                           'exists. Please enter another name.')
    deals.update_title("Pipeline")
    deals.freeze(rows=1)
    deals.resize(rows=3)
    props = spreadsheet.fetch_sheet_metadata()["sheets"][1]["properties"]
    assert (props["title"], props["gridProperties"]) == ("Pipeline", {"rowCount": 3, "columnCount": 5,
                                                                     "frozenRowCount": 1})
    spreadsheet.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": deals.id, "title": "Every field"}, "fields": "*"}}]})
    assert [w.title for w in spreadsheet.worksheets()] == ["Sheet1", "Every field"]
    spreadsheet.del_worksheet(spreadsheet.sheet1)
    with pytest.raises(APIError) as caught:
        spreadsheet.del_worksheet(deals)
    assert error_of(caught)["message"] == ("Invalid requests[0].deleteSheet: You can't remove all the sheets in a "
                                           "document.")


def test_update_cells_formats_and_grid_data(spreadsheet):
    cells = [{"userEnteredValue": {"numberValue": MARCH_4},
              "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}},
             {"userEnteredValue": {"stringValue": "0042"}},
             {"userEnteredValue": {"formulaValue": "=LEN(B1)"}},
             {"userEnteredValue": {"boolValue": True}}]
    spreadsheet.batch_update({"requests": [
        {"updateCells": {"start": {"sheetId": 0}, "rows": [{"values": cells}],
                         "fields": "userEnteredValue,userEnteredFormat.numberFormat"}},
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0,
                                  "endColumnIndex": 1},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE"}}},
                        "fields": "userEnteredFormat(numberFormat)"}},
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 4, "startColumnIndex": 1,
                                  "endColumnIndex": 2},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
    ]})
    ws = spreadsheet.sheet1
    ws.update(values=[[MARCH_4]], range_name="A2")
    ws.update(values=[["0042"]], range_name="B4", raw=False)  # a plain-text cell keeps typed text
    assert ws.get("A1:D4") == [["2026-03-04", "0042", "4", "TRUE"], ["3/4/2026"], [], ["", "0042"]]
    assert ws.get("A1:D1", value_render_option="UNFORMATTED_VALUE") == [[MARCH_4, "0042", 4, True]]
    grid = spreadsheet.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:B1"})
    first = grid["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert first["userEnteredValue"] == {"numberValue": MARCH_4}
    assert first["formattedValue"] == "2026-03-04"
    assert first["userEnteredFormat"] == {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
    titles = spreadsheet.fetch_sheet_metadata({"fields": "sheets.properties.title"})
    assert titles == {"sheets": [{"properties": {"title": "Sheet1"}}]}


def test_developer_metadata_and_named_ranges_follow_their_column(client, spreadsheet):
    ws = spreadsheet.sheet1
    reply = spreadsheet.batch_update({"requests": [
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "sheetsales:column", "metadataValue": "status", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 3, "endIndex": 4}}}}},
        {"addNamedRange": {"namedRange": {"name": "StatusColumn",
                                          "range": {"sheetId": 0, "startColumnIndex": 3, "endColumnIndex": 4}}}},
    ]})
    created = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert created["location"]["locationType"] == "COLUMN"
    ws.insert_cols([["new"]], col=1)
    ws.update(values=[["Status"]], range_name="E1")
    search = client.http_client.request(
        "post", f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet.id}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "sheetsales:column"}}]}).json()
    found = search["matchedDeveloperMetadata"][0]["developerMetadata"]
    assert (found["metadataId"], found["location"]["dimensionRange"]["startIndex"]) == (created["metadataId"], 4)
    named = spreadsheet.values_get("StatusColumn")
    assert (named["range"], named["values"]) == ("Sheet1!E1:E1000", [["Status"]])


# ---- errors, auth and hooks -------------------------------------------------------------------

def test_google_shaped_errors(emulator, client, spreadsheet):
    with pytest.raises(SpreadsheetNotFound) as caught:
        client.open_by_key("no-such-sheet")
    assert caught.value.args[0].json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
    with pytest.raises(APIError) as caught:
        spreadsheet.values_get("Nope!A1")
    assert error_of(caught) == {"code": 400, "message": "Unable to parse range: Nope!A1", "status": "INVALID_ARGUMENT"}
    with pytest.raises(APIError) as caught:
        client.del_spreadsheet("no-such-file")
    assert error_of(caught)["errors"][0]["reason"] == "notFound"
    emulator.load({"id": "not-shared", "private": True})
    with pytest.raises(PermissionError):
        client.open_by_key("not-shared")


def test_queued_errors_reach_gspread(emulator, spreadsheet):
    ws = spreadsheet.sheet1
    emulator.queue_errors(429, count=2, method="GET")
    for _ in range(2):
        with pytest.raises(APIError) as caught:
            ws.get_all_values()
        assert (caught.value.code, error_of(caught)["status"]) == (429, "RESOURCE_EXHAUSTED")
        assert "Read requests" in error_of(caught)["message"]
    assert ws.get_all_values() == [[]]  # gspread's way of saying "no values"
    emulator.queue_errors(503, apply=True)  # the write lands; only its reply is lost
    with pytest.raises(APIError) as caught:
        ws.update(values=[["written"]], range_name="A1")
    assert error_of(caught) == {"code": 503, "message": "The service is currently unavailable.",
                                "status": "UNAVAILABLE"}
    assert ws.acell("A1").value == "written"


def test_revoked_token_is_refreshed_or_refused(emulator, spreadsheet):
    ws = spreadsheet.sheet1
    emulator.clear_requests()
    emulator.revoke_tokens()
    ws.update(values=[["after revoke"]], range_name="A1")
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("PUT", 401), ("POST", 200), ("PUT", 200)]
    emulator.revoke_tokens(refuse_grants=True)
    with pytest.raises(RefreshError, match="invalid_grant"):
        ws.get_all_values()
    emulator.allow_grants()
    assert ws.get_all_values() == [["after revoke"]]


def test_requests_without_a_token_get_401(emulator):
    with requests.Session() as session:
        route_session(session, emulator.url)
        answer = session.get("https://sheets.googleapis.com/v4/spreadsheets/abc",
                             headers={"Authorization": "Bearer made-up"})
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_request_log(emulator, client, spreadsheet):
    token = emulator.requests()[0]
    assert (token["path"], token["body"]["assertion"]) == ("/token", "<redacted>")
    ws = spreadsheet.sheet1
    emulator.clear_requests()
    ws.update(values=[["a", 1]], range_name="B2", raw=False)
    ws.batch_get(["A1", "B2"])
    assert emulator.requests() == [
        {"method": "PUT", "path": f"/v4/spreadsheets/{spreadsheet.id}/values/'Sheet1'!B2",
         "query": {"valueInputOption": "USER_ENTERED"}, "body": {"values": [["a", 1]], "majorDimension": None},
         "status": 200},
        {"method": "GET", "path": f"/v4/spreadsheets/{spreadsheet.id}/values:batchGet",
         "query": {"ranges": ["'Sheet1'!A1", "'Sheet1'!B2"]}, "body": None, "status": 200},
    ]


def test_mutations_run_before_the_next_write(emulator, client):
    sheet_id = emulator.load({"title": "P", "sheets": [{"title": "Deals", "values": [["Deal", "Stage"], ["b", "2"],
                                                                                    ["a", "1"]]}]})
    ws = client.open_by_key(sheet_id).worksheet("Deals")
    emulator.queue_mutation({"spreadsheetId": sheet_id, "action": "sort", "range": "Deals!A2:B", "column": "A"})
    assert ws.get_all_values()[1] == ["b", "2"]  # reads do not trigger it
    ws.update(values=[["x"]], range_name="C2")
    assert emulator.dump(sheet_id)["sheets"][0]["values"] == [["Deal", "Stage"], ["a", "1", "x"], ["b", "2"]]
    emulator.queue_mutation({"action": "insert_row", "sheet": "Deals", "index": 1, "values": ["human", "3"]})
    emulator.queue_mutation({"action": "rename_sheet", "sheet": "Deals", "title": "Pipeline"})
    with pytest.raises(APIError) as caught:
        ws.update(values=[["y"]], range_name="C2")
    assert error_of(caught)["message"] == "Unable to parse range: 'Deals'!C2"
    assert emulator.dump(sheet_id)["sheets"][0]["values"][1] == ["human", "3"]


def test_an_edit_runs_just_before_the_chosen_request(emulator, client):
    sheet_id = emulator.load({"title": "P", "sheets": [{"title": "Deals", "values": [["Deal", "Stage"], ["a", "1"]]},
                                                      {"title": "Notes", "values": [["x"]]}]})
    ws = client.open_by_key(sheet_id).worksheet("Deals")
    emulator.queue_mutation({"action": "insert_column", "sheet": "Deals", "index": 0, "values": ["Region", "N"],
                             "before": {"method": "GET", "path_contains": "values", "nth": 2}})
    assert ws.get_all_values() == [["Deal", "Stage"], ["a", "1"]]  # the first read: not yet
    assert ws.get_all_values() == [["Region", "Deal", "Stage"], ["N", "a", "1"]]  # just before the second
    emulator.queue_mutation({"action": "delete_row", "sheet": "Deals", "index": 1,
                             "before": {"path_contains": "values"}})
    assert ws.get_all_values() == [["Region", "Deal", "Stage"]]
    emulator.queue_mutation({"action": "delete_sheet", "sheet": "Deals", "before": {"method": "GET"}})
    with pytest.raises(APIError):
        ws.get_all_values()
    assert [s["title"] for s in emulator.dump(sheet_id)["sheets"]] == ["Notes"]


def test_values_written_through_developer_metadata_follow_the_column(emulator, client):
    sheet_id = emulator.load({"title": "P", "sheets": [{"title": "Deals", "values": [["Deal", "Mine"], ["a", "x"]]}]})
    spreadsheet = client.open_by_key(sheet_id)
    spreadsheet.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "k", "metadataValue": "mine", "visibility": "DOCUMENT", "location": {"dimensionRange": {
            "sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}}}}}]})
    spreadsheet.sheet1.insert_cols([["Region"]], col=1)  # the column moves to C
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sheet_id}/values:batchUpdateByDataFilter"
    answer = client.http_client.request("post", url, json={"valueInputOption": "USER_ENTERED", "data": [
        {"dataFilter": {"developerMetadataLookup": {"metadataValue": "mine"}}, "majorDimension": "COLUMNS",
         "values": [[None, "'=1+1"]]}]}).json()
    assert answer["responses"][0]["updatedRange"] == "Deals!C1:C2"
    assert emulator.dump(sheet_id, "FORMULA")["sheets"][0]["values"] == [["Region", "Deal", "Mine"], ["", "a", "=1+1"]]
    cell = emulator.state.api.spreadsheets[sheet_id].sheets[0].cells[(1, 2)]
    assert cell.formula is None  # text, as the apostrophe asked
    with pytest.raises(APIError):
        client.http_client.request("post", url, json={"valueInputOption": "RAW", "data": [
            {"dataFilter": {"developerMetadataLookup": {"metadataValue": "gone"}}, "values": [["x"]]}]})


def test_hook_client_over_http(emulator):
    hooks = HookClient(emulator.url)
    sheet_id = hooks.load({"id": "fixed-id", "title": "From JSON", "sheets": [{"title": "Deals", "values": [["1"]]}]})
    assert sheet_id == "fixed-id"
    assert hooks.dump(sheet_id, "UNFORMATTED_VALUE")["sheets"][0]["values"] == [[1]]
    hooks.queue_errors(500)
    with requests.Session() as session:
        route_session(session, emulator.url)
        assert session.get("https://sheets.googleapis.com/v4/spreadsheets/fixed-id").status_code == 401
    assert [r["status"] for r in hooks.requests()] == [401]
    hooks.clear_requests()
    hooks.reset()
    assert hooks.requests() == []
    with pytest.raises(RuntimeError, match="404"):
        hooks.dump("fixed-id")


def test_client_from_a_key_file(emulator, tmp_path):
    key = make_service_account_key("https://oauth2.googleapis.com")
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    gc = gspread_client(emulator.url, credentials_path=path)  # its token_uri is redirected
    try:
        assert gc.create("From a key file").sheet1.title == "Sheet1"
    finally:
        gc.http_client.session.close()
    assert emulator.requests()[0]["path"] == "/token"


def test_command_line_server(tmp_path):
    spec = tmp_path / "pipeline.json"
    spec.write_text(json.dumps({"id": "cli-sheet", "sheets": [{"title": "Deals", "values": [["Deal"], ["Acme"]]}]}))
    process = subprocess.Popen([sys.executable, "-m", "sheetsales.emulator.sheets_emulator", "--port", "0",
                                "--load", str(spec)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        gc = gspread_client(url)
        try:
            assert gc.open_by_key("cli-sheet").worksheet("Deals").get_all_values() == [["Deal"], ["Acme"]]
        finally:
            gc.http_client.session.close()
        assert [r["path"] for r in HookClient(url).requests()][0] == "/token"
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert (process.returncode, out, err) == (0, "", "")


# ---- round trips ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def worksheet_for_round_trips():
    with Emulator() as emu:
        gc = gspread_client(emu.url)
        try:
            yield gc.create("Round trips").sheet1
        finally:
            gc.http_client.session.close()


@settings(max_examples=40, deadline=None)
@given(text=TEXT)
def test_raw_text_reads_back_unchanged(worksheet_for_round_trips, text):
    ws = worksheet_for_round_trips

    def read(cell, render):
        return ws.spreadsheet.values_get(cell, params={"valueRenderOption": render}).get("values")

    ws.update(values=[[text]], range_name="A1", raw=True)
    expected = [[text]] if text else None  # an empty string clears the cell
    assert read("A1", "FORMATTED_VALUE") == read("A1", "UNFORMATTED_VALUE") == expected
    ws.update(values=[["'" + text]], range_name="B1", raw=False)  # the apostrophe forces text
    assert read("B1", "UNFORMATTED_VALUE") == expected
