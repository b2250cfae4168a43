"""Protected ranges in the emulator, as Google keeps them: stored and returned by
addProtectedRange, moved with inserted columns, and a write into a range the caller may not
edit refused whole with Google's error (HTTP 400, its own text)."""

import pytest
from gspread.exceptions import APIError

from sheetsales.emulator import edits
from sheetsales.emulator.workbook import PROTECTED


def protect_as_owner(emulator, sid, **edit):
    """The owner protects a range in the Sheets UI: the API caller is not an editor."""
    ss = emulator.state.api.spreadsheets[sid]
    edits.apply(emulator.state.api, ss, {"action": "protect", **edit})


def load(emulator):
    return emulator.load({"sheets": [{"title": "Deals", "values": [["Deal ID", "Notes"],
                                                                    ["D-1", "x"]]}]})


def test_a_range_the_caller_protects_stays_writable_by_it_and_is_listed(emulator, client):
    sid = load(emulator)
    book = client.open_by_key(sid)
    reply = book.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "startColumnIndex": 1, "endColumnIndex": 2},
        "description": "notes"}}}]})
    made = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert made["requestingUserCanEdit"] is True and made["description"] == "notes"
    book.sheet1.update_acell("B2", "still mine")
    listed = book.fetch_sheet_metadata()["sheets"][0]["protectedRanges"]
    assert [p["protectedRangeId"] for p in listed] == [made["protectedRangeId"]]
    book.batch_update({"requests": [{"deleteProtectedRange": {
        "protectedRangeId": made["protectedRangeId"]}}]})
    assert "protectedRanges" not in book.fetch_sheet_metadata()["sheets"][0]


def test_writes_into_a_range_protected_by_the_owner_are_refused_whole(emulator, client):
    sid = load(emulator)
    protect_as_owner(emulator, sid, range="Deals!B1:B5")
    sheet = client.open_by_key(sid).sheet1
    for write in (lambda: sheet.update_acell("B2", "overwritten"),
                  lambda: sheet.batch_update([{"range": "A2", "values": [["D-9"]]},
                                              {"range": "B2", "values": [["y"]]}]),
                  lambda: sheet.batch_clear(["B2"]),
                  lambda: sheet.spreadsheet.batch_update({"requests": [
                      {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
                                       "rows": [{"values": [{"userEnteredValue": {
                                           "stringValue": "D-9"}}]}],
                                       "fields": "userEnteredValue"}},
                      {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 1,
                                                "endRowIndex": 2, "startColumnIndex": 1,
                                                "endColumnIndex": 2},
                                      "cell": {"userEnteredValue": {"stringValue": "y"}},
                                      "fields": "userEnteredValue"}}]})):
        with pytest.raises(APIError) as caught:
            write()
        error = caught.value.response.json()["error"]
        assert (caught.value.response.status_code, error["status"]) == (400, "INVALID_ARGUMENT")
        assert error["message"].endswith(PROTECTED)
    assert sheet.get_all_values() == [["Deal ID", "Notes"], ["D-1", "x"]]  # nothing landed
    sheet.update_acell("A2", "D-2")  # outside the range: allowed
    assert sheet.acell("A2").value == "D-2"


def test_a_protected_range_moves_with_an_inserted_column(emulator, client):
    sid = load(emulator)
    protect_as_owner(emulator, sid, range="Deals!B1:B5")
    sheet = client.open_by_key(sid).sheet1
    sheet.insert_cols([["Region"]], col=1)
    span = sheet.spreadsheet.fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]["range"]
    assert (span["startColumnIndex"], span["endColumnIndex"]) == (2, 3)
    sheet.update_acell("B2", "free now")
    with pytest.raises(APIError, match="protected cell"):
        sheet.update_acell("C2", "protected")
