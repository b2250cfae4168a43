"""`undo` on a Google Sheet gives back the sheet set exactly as it was (issue 19): the
Reminders tab a first run created is removed, and one a later run rewrote has its contents
back; through the real gspread against the loopback emulator."""

import datetime as dt

import pytest

import sheetsales
from sheetsales.core.config import Config
from sheetsales.core.errors import SheetsalesError
from sheetsales.emulator.sheets_emulator import gspread_client
from test_gsheets_look import HEADER, ROWS

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def signed_in(google):
    """Every test here runs with sheetsales pointed at the emulator."""


def load(emu, tabs=(("Deals", ROWS),)):
    return emu.load({"title": "Pipeline", "sheets": [{"title": t, "values": [HEADER, *rows]}
                                                      for t, rows in tabs]})


def state(emu, sid):
    """Every tab's title and values, and sheetsales' marks on them."""
    ss = emu.state.api.spreadsheets[sid]
    marks = sorted((m.get("metadataKey"), m.get("metadataValue")) for m in ss.developer_metadata)
    return [(s["title"], s.get("values")) for s in emu.dump(sid, "UNFORMATTED_VALUE")["sheets"]], \
        marks


def test_undo_of_a_first_run_removes_the_reminders_tab_it_created(emu):
    sid = load(emu)
    before = state(emu, sid)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    assert "Reminders" in [t for t, _ in state(emu, sid)[0]]
    said = sheetsales.undo(f"gsheet:{sid}", Config())
    assert "removed the Reminders and Summary sheets" in said
    assert state(emu, sid)[0] == before[0]


def test_undo_of_a_later_run_gives_the_reminders_tab_its_contents_back(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    after_first = state(emu, sid)
    later = sheetsales.run(f"gsheet:{sid}", Config(), TODAY + dt.timedelta(days=3))
    assert later.written and state(emu, sid)[0] != after_first[0]
    sheetsales.undo(f"gsheet:{sid}", Config())
    assert state(emu, sid)[0] == after_first[0]


def test_undo_over_several_tabs_removes_the_one_reminders_tab(emu):
    sid = load(emu, (("Ann", ROWS[:1]), ("Bob", ROWS[1:])))
    before = state(emu, sid)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    sheetsales.undo(f"gsheet:{sid}", Config())
    assert state(emu, sid)[0] == before[0]


def test_a_note_typed_on_the_new_reminders_tab_stops_its_removal(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    tab = gspread_client(emu.url).open_by_key(sid).worksheet("Reminders")
    tab.update([["called him"]], "I2")
    with pytest.raises(SheetsalesError, match=r"Reminders!I2.*typed"):
        sheetsales.undo(f"gsheet:{sid}", Config())
    assert "Reminders" in [t for t, _ in state(emu, sid)[0]]


def rules(emu, sid, title="Deals"):
    from sheetsales.emulator import presentation
    return presentation.rules(emu.state.api.spreadsheets[sid].find_sheet(title))


def test_undo_of_a_first_run_removes_the_status_colours_and_the_summary(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    assert rules(emu, sid) and "Summary" in [t for t, _ in state(emu, sid)[0]]
    said = sheetsales.undo(f"gsheet:{sid}", Config())
    assert "removed the status colours" in said and not rules(emu, sid)
    assert [t for t, _ in state(emu, sid)[0]] == ["Deals"]


def test_undo_of_a_later_run_keeps_the_colours_the_first_run_set(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    first = list(rules(emu, sid))
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY + dt.timedelta(days=3))
    sheetsales.undo(f"gsheet:{sid}", Config())
    assert rules(emu, sid) == first


def look(emu, sid):
    """Each tab's grid size, filter, rules, charts and column widths as a client (real
    gspread) reads them, and sheetsales' records and marks."""
    found = gspread_client(emu.url).open_by_key(sid).fetch_sheet_metadata({
        "fields": "sheets(properties(title,gridProperties),basicFilter,conditionalFormats,"
                  "charts,data(columnMetadata(pixelSize)))"})
    return found["sheets"], state(emu, sid)


def resize(emu, sid, column, pixels, sheet_id=0):
    gspread_client(emu.url).open_by_key(sid).batch_update({"requests": [
        {"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": column,
                      "endIndex": column + 1},
            "properties": {"pixelSize": pixels}, "fields": "pixelSize"}}]})


def test_undo_of_a_first_run_empties_the_columns_it_added_and_gives_back_the_filter(emu):
    """The columns stay (a column is deleted only by its index, which a person's edit at that
    instant could shift onto their own column): emptied, uncoloured, still sheetsales'."""
    sid = load(emu)
    gspread_client(emu.url).open_by_key(sid).batch_update({"requests": [{"setBasicFilter": {
        "filter": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4,
                             "startColumnIndex": 0, "endColumnIndex": 8}}}}]})
    resize(emu, sid, 1, 250)
    before = look(emu, sid)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    said = sheetsales.undo(f"gsheet:{sid}", Config())
    assert "emptied the 4 status columns sheetsales had added to Deals" in said
    sheets, _ = look(emu, sid)
    (deals,) = [s for s in sheets if s["properties"]["title"] == "Deals"]
    (deals_before,) = [s for s in before[0] if s["properties"]["title"] == "Deals"]
    assert deals["basicFilter"] == deals_before["basicFilter"]  # the filter as it was
    assert not deals.get("conditionalFormats")  # the colours gone
    values = gspread_client(emu.url).open_by_key(sid).worksheet("Deals").get_all_values()
    assert not any(v for row in values for v in row[8:])  # the columns empty
    assert [s["properties"]["title"] for s in sheets] == \
        [s["properties"]["title"] for s in before[0]]  # Reminders and Summary gone
    again = sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    assert again.written and "verified" in again.written  # the next run writes there again
    values = gspread_client(emu.url).open_by_key(sid).worksheet("Deals").get_all_values()
    assert values[0][8:12] == ["Status", "Flags", "Next action", "Next action due"]


def test_undo_of_a_later_run_gives_back_the_widths_and_the_charts(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    resize(emu, sid, 8, 300)  # the owner widened the Status column
    before = look(emu, sid)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY + dt.timedelta(days=3))
    assert look(emu, sid) != before
    sheetsales.undo(f"gsheet:{sid}", Config())
    assert look(emu, sid) == before  # the width, and the charts with their ids, back


def test_a_value_typed_into_the_status_columns_since_stays(emu):
    sid = load(emu)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    tab = gspread_client(emu.url).open_by_key(sid).worksheet("Deals")
    tab.update([["mine"]], "J8")
    said = sheetsales.undo(f"gsheet:{sid}", Config())
    assert "emptied the 4 status columns" in said
    values = tab.get_all_values()
    assert values[7][9] == "mine" and not any(r[8] for r in values)


def test_undo_of_a_first_run_over_several_tabs_empties_each_tabs_columns(emu):
    sid = load(emu, (("Ann", ROWS[:1]), ("Bob", ROWS[1:])))
    before = look(emu, sid)
    sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    said = sheetsales.undo(f"gsheet:{sid}", Config())
    assert "added to Ann" in said and "added to Bob" in said
    client = gspread_client(emu.url).open_by_key(sid)
    for title in ("Ann", "Bob"):
        assert not any(v for row in client.worksheet(title).get_all_values() for v in row[8:])
    assert [s["properties"]["title"] for s in look(emu, sid)[0]] == \
        [s["properties"]["title"] for s in before[0]]
