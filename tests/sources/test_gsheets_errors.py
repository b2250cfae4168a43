"""Google's own error texts (sheetsales/emulator/ERRORS.md) through real gspread against the
emulator, and the one sentence sheetsales makes of each."""

import pytest
from gspread.exceptions import APIError

from sheetsales.core.errors import SourceError
from sheetsales.sources.gsheets.api import connect

from sheets_client import person

ROWS = [["Deal ID", "Company"], ["D-1", "Acme"]]


def _sheet(emu):
    return emu.load({"title": "P", "sheets": [{"title": "Deals", "values": ROWS}]})


def _refusal(emu, google, ranges):
    sid = _sheet(emu)
    api = connect(environ=google)
    try:
        with pytest.raises(SourceError) as caught:
            api.values(sid, ranges)
    finally:
        api.close()
    return sid, str(caught.value)


def test_an_unparsable_range_is_refused_in_googles_words(emu, google):
    sid, message = _refusal(emu, google, ["No such tab!A1"])
    assert message == (f"Google Sheets refused to read spreadsheet {sid} (400: Unable to parse "
                       "range: No such tab!A1); check the sheet and run again")


def test_a_range_past_the_grid_is_refused_in_googles_words(emu, google):
    sid, message = _refusal(emu, google, ["Deals!A5000"])
    assert message == (f"Google Sheets refused to read spreadsheet {sid} (400: Range "
                       "(Deals!A5000) exceeds grid limits. Max rows: 1000, max columns: 26); "
                       "check the sheet and run again")


def test_a_cell_value_that_is_not_a_scalar_is_quoted_in_protobuf_text_format(emu):
    sid = _sheet(emu)
    with person(emu) as gc:
        with pytest.raises(APIError) as caught:
            gc.http_client.values_update(sid, "Deals!A3", params={"valueInputOption": "RAW"},
                                         body={"values": [["D-2", {"name": "Jane", "n": 2}]]})
    assert caught.value.error["code"] == 400
    assert caught.value.error["status"] == "INVALID_ARGUMENT"
    assert caught.value.error["message"] == "\n".join([
        "Invalid values[0][1]: struct_value {",
        "  fields {", '    key: "name"', "    value {", '      string_value: "Jane"', "    }", "  }",
        "  fields {", '    key: "n"', "    value {", "      number_value: 2", "    }", "  }",
        "}"])


def test_a_list_inside_a_cell_is_quoted_as_list_value(emu):
    sid = _sheet(emu)
    with person(emu) as gc:
        with pytest.raises(APIError) as caught:
            gc.http_client.values_update(sid, "Deals!A3", params={"valueInputOption": "RAW"},
                                         body={"values": [[["Washington Post analysis"]]]})
    assert caught.value.error["message"] == (
        'Invalid values[0][0]: list_value {\n  values {\n    string_value: '
        '"Washington Post analysis"\n  }\n}')


def test_a_502_page_is_retried_and_told_as_a_server_error_not_quoted(emu, google):
    """Google's front end answers 502 with an HTML page, not JSON: still retried, and the
    sentence names the status, never the page."""
    sid = _sheet(emu)
    emu.queue_errors(502, count=1, method="GET")
    api = connect(environ=google, sleep=lambda seconds: None)
    try:
        assert api.values(sid, ["Deals!A1:B2"]) == [ROWS]  # one 502, then the retry answers
        emu.queue_errors(502, count=6, method="GET")
        with pytest.raises(SourceError) as caught:
            api.values(sid, ["Deals!A1:B2"])
    finally:
        api.close()
    assert str(caught.value).startswith(f"Google Sheets kept failing (502 server error) to read "
                                        f"spreadsheet {sid} after 6 tries")
    assert "<" not in str(caught.value)


def test_the_emulators_502_is_a_page_as_googles_is(emu):
    sid = _sheet(emu)
    emu.queue_errors(502, count=1, method="GET")
    with person(emu) as gc:
        with pytest.raises(APIError) as caught:
            gc.http_client.values_get(sid, "Deals!A1")
    assert caught.value.response.status_code == 502
    assert caught.value.response.headers["Content-Type"].startswith("text/html")
    assert "The server encountered a temporary error and could not complete your request." in \
        caught.value.response.text
