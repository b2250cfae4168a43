"""What the owner sees on a Google Sheet after a run (issue 15, item 8): the Status column
coloured by conditional format rules on the owned column only, a Reminders tab to work from
(bold filled frozen header, filter, widths, due dates as dates, each Row linked to its deal's
row), all inside the run's own requests, and no duplicate on the next run; through the real
gspread against the loopback emulator, which checks each request's shape."""

import datetime as dt

import pytest

from sheetsales.core.config import Config
from sheetsales.emulator.sheets_emulator import gspread_client
from sheetsales.operations.run import run_target
from sheetsales.plan.columns import status_colours
from sheetsales.sources.gsheets.look import colour
from sheetsales.sources.gsheets.write import GSheetTarget

TODAY = dt.date(2026, 11, 27)
HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
ROWS = [["D-1", "Acme", "Ann", "Proposal", 1200, "2026-11-20", "", ""],
        ["D-2", "Beta", "Bob", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-24"],
        ["D-3", "Core", "Bob", "Won", 700, "2026-10-03", "2026-10-04", "2026-11-28"]]
STATUS = 8  # column I, right of the user's columns


@pytest.fixture
def env(google):
    return google


def load(emu):
    return emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                      "values": [HEADER, *ROWS]}]})


def run(emu, env, sid, today=TODAY):
    emu.clear_requests()
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    result = run_target(target, Config(), today)
    return result, target.requests


def sheets(emu, sid) -> dict:
    """Every sheet as spreadsheets.get gives it to a client (real gspread), by title."""
    found = gspread_client(emu.url).open_by_key(sid).fetch_sheet_metadata({
        "fields": "sheets(properties,conditionalFormats,basicFilter,charts,"
                  "data(rowData(values(userEnteredValue,userEnteredFormat))))",
        "includeGridData": "true"})
    return {s["properties"]["title"]: s for s in found["sheets"]}


def cell(sheet: dict, row: int, col: int) -> dict:
    rows = sheet["data"][0].get("rowData", [])
    values = rows[row].get("values", []) if row < len(rows) else []
    return values[col] if col < len(values) else {}


def test_status_colours_and_a_reminders_tab_to_work_from_in_no_extra_request(emu, env):
    sid = load(emu)
    mine = {"ranges": [{"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 4,
                        "endColumnIndex": 5}],
            "booleanRule": {"condition": {"type": "NUMBER_GREATER",
                                          "values": [{"userEnteredValue": "1000"}]},
                            "format": {"textFormat": {"bold": True}}}}
    gspread_client(emu.url).open_by_key(sid).batch_update(
        {"requests": [{"addConditionalFormatRule": {"rule": mine, "index": 0}}]})
    result, requests = run(emu, env, sid)
    assert requests == 5 and result.written.endswith("verified")  # a first run
    deals, reminders = sheets(emu, sid)["Deals"], sheets(emu, sid)["Reminders"]
    rules = deals["conditionalFormats"]
    ours = [r for r in rules if r["ranges"][0].get("startColumnIndex") == STATUS]
    assert [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in ours] == \
        [c.text for c in status_colours({})]  # one rule per colour, as in the workbook
    assert len(ours) == len(rules) - 1 and rules.count(rules[-1]) == 1
    assert any(r["ranges"][0].get("startColumnIndex") == 4 for r in rules)  # theirs kept
    overdue = next(r for r in ours if r["booleanRule"]["condition"]["values"][0]
                   ["userEnteredValue"] == "Overdue")
    assert overdue["booleanRule"]["format"]["backgroundColor"]["red"] > 0.9  # red-ish fill
    header = cell(reminders, 0, 0)["userEnteredFormat"]
    assert header["textFormat"]["bold"] and header["backgroundColor"]
    assert reminders["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert reminders["basicFilter"]["range"]["endColumnIndex"] >= 8
    row_link = cell(reminders, 1, 7)["userEnteredFormat"]["textFormat"]["link"]["uri"]
    assert row_link == "#gid=0&range=A3"  # D-2 is on row 3 of Deals (gid 0)
    due = cell(reminders, 1, 4)
    assert "numberValue" in due["userEnteredValue"]
    assert due["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    sizes = emu.state.api.spreadsheets[sid].find_sheet("Reminders").sizes
    assert sizes[("COLUMNS", 3)] > sizes[("COLUMNS", 0)]  # Action wider than Owner


def test_the_next_run_adds_no_duplicate_rule(emu, env):
    sid = load(emu)
    run(emu, env, sid)
    first = sheets(emu, sid)["Deals"]["conditionalFormats"]
    result, requests = run(emu, env, sid, TODAY + dt.timedelta(days=1))
    assert result.written and requests == 6
    assert sheets(emu, sid)["Deals"]["conditionalFormats"] == first


def test_a_users_filter_on_the_deals_tab_is_extended_over_the_owned_columns(emu, env):
    sid = load(emu)
    spec = {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4,
                      "startColumnIndex": 0, "endColumnIndex": 8},
            "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "ASCENDING"}]}
    gspread_client(emu.url).open_by_key(sid).batch_update(
        {"requests": [{"setBasicFilter": {"filter": spec}}]})
    run(emu, env, sid)
    found = sheets(emu, sid)["Deals"]["basicFilter"]
    assert found["range"]["endColumnIndex"] == 12 and found["sortSpecs"] == spec["sortSpecs"]


def test_a_summary_tab_with_two_charts_kept_once_across_runs(emu, env):
    sid = load(emu)
    result, requests = run(emu, env, sid)
    assert requests == 5  # a first run: the Summary rides in the write's batchUpdate
    summary = sheets(emu, sid)["Summary"]
    assert cell(summary, 0, 0)["userEnteredValue"] == {"stringValue": "Pipeline summary"}
    def trimmed(row):
        row = [None if v == "" else v for v in row]
        while row and row[-1] is None:
            row.pop()
        return row
    planned = [trimmed(r) for r in result.plan.summary]
    while planned and not planned[-1]:
        planned.pop()
    assert [trimmed(r) for r in values(emu, sid, "Summary")] == planned
    charts = summary["charts"]
    assert [c["spec"]["title"] for c in charts] == ["Amount by stage",
                                                    "Weighted forecast by expected close"]
    ids = {s["properties"]["title"]: s["properties"]["sheetId"]
           for s in sheets(emu, sid).values()}
    stage = charts[0]["spec"]["basicChart"]
    assert stage["chartType"] == "COLUMN"
    source = stage["series"][0]["series"]["sourceRange"]["sources"][0]
    assert source["sheetId"] == ids["Summary"] and source["startColumnIndex"] == 2
    header = values(emu, sid, "Summary")[source["startRowIndex"]]
    assert header[:4] == ["Stage", "Deals", "Amount", "Weighted"]
    marks = [m.get("metadataValue") for m in emu.state.api.spreadsheets[sid].developer_metadata
             if m.get("metadataKey") == "sheetsales_owned"]
    assert sorted(marks) == ["reminders", "summary"]

    later, requests = run(emu, env, sid, TODAY + dt.timedelta(days=1))
    assert later.plan.summary is not None and requests == 6  # the date line changed
    again = sheets(emu, sid)["Summary"]["charts"]
    assert len(again) == 2 and {c["chartId"] for c in again}.isdisjoint(
        {c["chartId"] for c in charts})  # replaced, never doubled
    unchanged, requests = run(emu, env, sid, TODAY + dt.timedelta(days=1))
    assert unchanged.plan.empty and requests == 3


def test_a_users_own_summary_tab_is_left_alone(emu, env):
    sid = emu.load({"title": "Pipeline", "sheets": [
        {"title": "Deals", "values": [HEADER, *ROWS]},
        {"title": "Summary", "values": [["my own numbers"]]}]})
    result, _ = run(emu, env, sid)
    assert any("leaves alone" in n for n in result.plan.notes)
    assert values(emu, sid, "Summary") == [["my own numbers"]]
    assert "charts" not in sheets(emu, sid)["Summary"]


def values(emu, sid, title):
    return next(s["values"] for s in emu.dump(sid, "UNFORMATTED_VALUE")["sheets"]
                if s["title"] == title)


def test_a_column_inserted_before_the_status_adds_no_second_set_of_rules(emu, env):
    sid = load(emu)
    run(emu, env, sid)
    gspread_client(emu.url).open_by_key(sid).batch_update({"requests": [{"insertDimension": {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3}}}]})
    run(emu, env, sid, TODAY + dt.timedelta(days=1))
    rules = sheets(emu, sid)["Deals"]["conditionalFormats"]
    assert len(rules) == len(status_colours({}))
    assert {r["ranges"][0]["startColumnIndex"] for r in rules} == {STATUS + 1}


def test_summary_sheet_false_keeps_no_summary_tab(emu, env):
    from sheetsales.core.settings import SummarySettings
    sid = load(emu)
    emu.clear_requests()
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    result = run_target(target, Config(summary=SummarySettings(sheet=False)), TODAY)
    assert result.plan.summary is None and "Summary" not in sheets(emu, sid)


def test_the_owned_headers_are_styled_like_the_users_header_in_no_extra_request(emu, env):
    sid = load(emu)
    style = {"textFormat": {"bold": True, "foregroundColor": {"red": 1}},
             "backgroundColor": {"red": 0.2, "green": 0.4, "blue": 0.8}}
    gspread_client(emu.url).open_by_key(sid).batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0,
                  "endColumnIndex": 8},
        "cell": {"userEnteredFormat": style},
        "fields": "userEnteredFormat(textFormat,backgroundColor)"}}]})
    result, requests = run(emu, env, sid)
    assert requests == 5 and result.written.endswith("verified")
    deals = sheets(emu, sid)["Deals"]
    for column in range(STATUS, STATUS + 4):
        shown = cell(deals, 0, column)
        assert shown["userEnteredValue"]["stringValue"]  # the header sheetsales wrote
        assert {k: shown["userEnteredFormat"].get(k) for k in style} == style
    assert "userEnteredFormat" not in cell(deals, 1, STATUS)  # the header only


def test_the_forecast_charts_stale_bar_is_red_as_in_the_workbook(emu, env):
    header = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Expected close"]
    rows = [["D-1", "Acme", "Ana", "Proposal", 1000, "2026-12-10"],
            ["D-9", "Omega", "Bo", "Proposal", 6000, "2026-09-01"]]  # stale: close passed
    sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                      "values": [header, *rows]}]})
    result, requests = run(emu, env, sid)
    assert requests == 5 and result.written.endswith("verified")
    forecast = next(c for c in sheets(emu, sid)["Summary"]["charts"]
                    if c["spec"]["title"].startswith("Weighted forecast"))
    series = forecast["spec"]["basicChart"]["series"][0]
    assert forecast["spec"]["title"].endswith("(red: stale)")
    red = colour("9C0006")
    assert series["styleOverrides"] == [{"index": 8, "colorStyle": {"rgbColor": red}}]


def test_clean_dates_on_a_google_sheet_writes_dates_shown_as_their_text_was(emu, env):
    import sheetsales
    header = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Expected close"]
    rows = [["D-1", "Acme", "Ana", "Proposal", 1000, "20/12/2026"],
            ["D-2", "Beta", "Bo", "Proposal", 900, "15/01/2027"]]  # text to an en-US sheet
    sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                      "values": [header, *rows]}]})
    sheetsales.clean(f"gsheet:{sid}", ["dates"], Config(), apply=True)
    deals = sheets(emu, sid)["Deals"]
    for row, serial in ((1, 46376), (2, 46402)):  # 2026-12-20 and 2027-01-15
        shown = cell(deals, row, 5)
        assert shown["userEnteredValue"] == {"numberValue": serial}
        assert shown["userEnteredFormat"]["numberFormat"] == {"type": "DATE",
                                                              "pattern": "dd/mm/yyyy"}
    assert gspread_client(emu.url).open_by_key(sid).sheet1.get("F2:F3") == \
        [["20/12/2026"], ["15/01/2027"]]


def test_a_summary_turned_on_later_is_written_when_no_status_changes(emu, env):
    from sheetsales.core.settings import SummarySettings
    sid = load(emu)
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    run_target(target, Config(summary=SummarySettings(sheet=False)), TODAY)
    result, _ = run(emu, env, sid)
    assert not result.plan.changes and result.plan.summary is not None
    assert values(emu, sid, "Summary")[0][0] == "Pipeline summary"
