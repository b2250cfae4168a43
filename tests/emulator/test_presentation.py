"""The emulator's batchUpdate accepts the request shapes the real Sheets API accepts for
conditional formats, filters, column widths and charts, and refuses malformed ones as the
real API does (a 400 naming the field, the whole batch undone); through real gspread."""

import json

import gspread
import pytest

from sheetsales.emulator import schema
from sheetsales.emulator.sheets_emulator import Emulator, gspread_client

RULE = {"ranges": [{"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 2, "endColumnIndex": 3}],
        "booleanRule": {"condition": {"type": "TEXT_STARTS_WITH",
                                      "values": [{"userEnteredValue": "Overdue"}]},
                        "format": {"backgroundColor": {"red": 1, "green": 0.8, "blue": 0.8}}}}
CHART = {"chartId": 4242, "spec": {"title": "Amount by stage", "basicChart": {
    "chartType": "COLUMN", "legendPosition": "NO_LEGEND",
    "domains": [{"domain": {"sourceRange": {"sources": [
        {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 0,
         "endColumnIndex": 1}]}}}],
    "series": [{"series": {"sourceRange": {"sources": [
        {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 1,
         "endColumnIndex": 2}]}}, "targetAxis": "LEFT_AXIS"}]}},
    "position": {"overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 1,
                                                    "columnIndex": 4}}}}


@pytest.fixture
def book():
    with Emulator() as emu:
        sid = emu.load({"title": "T", "sheets": [{"title": "Deals", "values": [
            ["Stage", "Amount", "Status"], ["Lead", 5, "OK"], ["Won", 9, "Overdue"]]}]})
        yield emu, gspread_client(emu.url).open_by_key(sid)


def send(spreadsheet, *requests):
    return spreadsheet.batch_update({"requests": list(requests)})


def refused(spreadsheet, *requests) -> str:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        send(spreadsheet, *requests)
    assert caught.value.response.status_code == 400
    return caught.value.response.json()["error"]["message"]


def shown(spreadsheet) -> dict:
    return spreadsheet.fetch_sheet_metadata({"fields": "sheets(conditionalFormats,charts,"
                                                       "basicFilter)"})["sheets"][0]


def test_well_formed_requests_are_kept_and_shown(book):
    _, ss = book
    replies = send(ss, {"addConditionalFormatRule": {"rule": RULE, "index": 0}},
                   {"setBasicFilter": {"filter": {"range": {"sheetId": 0, "endColumnIndex": 3}}}},
                   {"update_dimension_properties": {  # snake_case, as the API's JSON allows
                       "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                 "endIndex": 1},
                       "properties": {"pixel_size": 120}, "fields": "pixelSize"}},
                   {"addChart": {"chart": CHART}})["replies"]
    assert replies[3]["addChart"]["chart"]["chartId"] == 4242
    found = shown(ss)
    assert found["conditionalFormats"] == [RULE]
    assert found["charts"][0]["spec"]["title"] == "Amount by stage"
    assert found["basicFilter"]["range"]["endColumnIndex"] == 3
    send(ss, {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
         {"deleteEmbeddedObject": {"objectId": 4242}})
    assert "conditionalFormats" not in shown(ss) and "charts" not in shown(ss)


@pytest.mark.parametrize("request_, message", [
    ({"addConditionalFormatRule": {"rule": RULE, "indx": 0}},
     'Invalid JSON payload received. Unknown name "indx" at '
     "'requests[0].add_conditional_format_rule': Cannot find field."),
    ({"addConditionalFormatRule": {"rule": {**RULE, "booleanRule": {
        **RULE["booleanRule"], "condition": {"type": "TEXT_BEGINS_WITH"}}}}},
     "Invalid value at 'requests[0].add_conditional_format_rule.rule.boolean_rule.condition"
     ".type' (TYPE_ENUM), \"TEXT_BEGINS_WITH\""),
    ({"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS"},
                                    "properties": {"pixelSize": "wide"}, "fields": "pixelSize"}},
     "Invalid value at 'requests[0].update_dimension_properties.properties.pixel_size' "
     "(TYPE_INT32), \"wide\""),
    ({"addChart": {"chart": {**CHART, "spec": {**CHART["spec"], "basicChart": {
        **CHART["spec"]["basicChart"], "legend": "NONE"}}}}},
     'Unknown name "legend" at \'requests[0].add_chart.chart.spec.basic_chart\''),
    ({"addConditionalFormatRule": {"rule": {**RULE, "ranges": []}}},
     "at least one range"),
    ({"addConditionalFormatRule": {"rule": {**RULE, "booleanRule": {**RULE["booleanRule"],
        "condition": {"type": "TEXT_EQ", "values": []}}}}},
     "TEXT_EQ condition requires exactly one ConditionValue"),
    ({"deleteConditionalFormatRule": {"sheetId": 0, "index": 3}},
     "No conditional format on sheet: 0 at index: 3"),
    ({"deleteEmbeddedObject": {"objectId": 99}}, "No object with id: 99"),
    ({"addChart": {"chart": {**CHART, "position": {}}}}, "exactly one of sheetId"),
])
def test_malformed_requests_are_refused_as_the_api_does(book, request_, message):
    _, ss = book
    assert message in refused(ss, request_)


def test_a_refused_request_undoes_the_whole_batch(book):
    _, ss = book
    refused(ss, {"addConditionalFormatRule": {"rule": RULE}}, {"addChart": {"chart": CHART}},
            {"deleteEmbeddedObject": {"objectId": 7}})
    assert shown(ss) == {}


def test_a_chart_id_is_used_once(book):
    _, ss = book
    send(ss, {"addChart": {"chart": CHART}})
    assert "Duplicate object ID: 4242" in refused(ss, {"addChart": {"chart": CHART}})


def test_the_schema_covers_every_request_the_emulator_handles():
    from sheetsales.emulator.batch_update import HANDLERS, IGNORED
    kinds = schema.shapes()["Request"]
    assert set(HANDLERS) | IGNORED <= set(kinds)
    assert json.dumps(schema.shapes()["BooleanCondition"]["type"]).count("TEXT_STARTS_WITH") == 1


def test_rules_filters_and_charts_follow_an_inserted_column(book):
    _, ss = book
    send(ss, {"addConditionalFormatRule": {"rule": RULE}}, {"addChart": {"chart": CHART}},
         {"setBasicFilter": {"filter": {"range": {"sheetId": 0, "endColumnIndex": 3}}}})
    send(ss, {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                            "startIndex": 1, "endIndex": 2}}})
    found = shown(ss)
    span = found["conditionalFormats"][0]["ranges"][0]
    assert (span["startColumnIndex"], span["endColumnIndex"]) == (3, 4)
    assert found["basicFilter"]["range"]["endColumnIndex"] == 4
    series = found["charts"][0]["spec"]["basicChart"]["series"][0]["series"]
    assert series["sourceRange"]["sources"][0]["startColumnIndex"] == 2
    send(ss, {"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                            "startIndex": 3, "endIndex": 4}}})
    assert "conditionalFormats" not in shown(ss)  # its only column went


def widths(spreadsheet) -> list[int]:
    found = spreadsheet.fetch_sheet_metadata({"fields": "sheets(data(columnMetadata))"})
    return [m["pixelSize"] for m in found["sheets"][0]["data"][0]["columnMetadata"]][:4]


def test_column_widths_are_read_through_a_mask_and_follow_inserted_and_deleted_columns(book):
    _, ss = book
    send(ss, {"updateDimensionProperties": {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2},
        "properties": {"pixelSize": 240}, "fields": "pixelSize"}})
    assert widths(ss) == [100, 240, 100, 100]
    send(ss, {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                            "startIndex": 0, "endIndex": 1}}})
    assert widths(ss) == [100, 100, 240, 100]
    send(ss, {"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                            "startIndex": 2, "endIndex": 3}}})
    assert widths(ss) == [100, 100, 100, 100]


def test_copy_paste_of_a_format_leaves_the_values(book):
    emu, ss = book
    bold = {"textFormat": {"bold": True}, "backgroundColor": {"blue": 1}}
    send(ss, {"repeatCell": {"range": {"sheetId": 0, "endRowIndex": 1, "endColumnIndex": 1},
                             "cell": {"userEnteredFormat": bold},
                             "fields": "userEnteredFormat"}},
         {"copyPaste": {"source": {"sheetId": 0, "endRowIndex": 1, "endColumnIndex": 1},
                        "destination": {"sheetId": 0, "endRowIndex": 1,
                                        "startColumnIndex": 1, "endColumnIndex": 3},
                        "pasteType": "PASTE_FORMAT"}})
    found = ss.fetch_sheet_metadata({"fields": "sheets(data(rowData(values(userEnteredValue,"
                                               "userEnteredFormat))))",
                                     "includeGridData": "true"})
    header = found["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert [c["userEnteredFormat"] for c in header] == [bold] * 3
    assert [c["userEnteredValue"]["stringValue"] for c in header] == ["Stage", "Amount", "Status"]
    assert "Invalid value" in refused(ss, {"copyPaste": {"pasteType": "PASTE_EVERYTHING"}})
