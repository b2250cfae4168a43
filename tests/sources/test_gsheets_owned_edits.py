"""OWN001 on a Google Sheet (issue 22, item 7): what a person typed over sheetsales' own
status cells is reported before the write replaces it, and `undo` gives it back; through
the real gspread against the loopback emulator, on one tab and on several."""

import datetime as dt

import pytest

import sheetsales
from helpers import run_cli
from two_tabs import ANN, BOB, HEADER
from sheetsales.core.config import Config
from sheetsales.emulator.sheets_emulator import gspread_client

TODAY = dt.date(2026, 11, 27)
T = ["--today", "2026-11-27"]


@pytest.fixture
def env(google):
    return google


def load(emu, tabs):
    return emu.load({"title": "Team", "sheets": [{"title": t, "values": [HEADER, *rows]}
                                                  for t, rows in tabs]})


def type_in(emu, sid, title, cell, value):
    """A colleague types in the sheet, through the API as the Sheets UI would."""
    gspread_client(emu.url).open_by_key(sid).worksheet(title).update_acell(cell, value)


def shown(emu, sid, title, cell):
    return gspread_client(emu.url).open_by_key(sid).worksheet(title).acell(cell).value


def own(result):
    return [f for f in result.plan.report.findings if f.code == "OWN001"]


def test_typed_over_status_cells_is_reported_replaced_and_undone(emu, env):
    sid = load(emu, [("Deals", ANN)])
    source = f"gsheet:{sid}"
    first = sheetsales.run(source, Config(), TODAY)
    assert first.written and own(first) == []
    again = sheetsales.run(source, Config(), TODAY)  # read back as written: no one typed
    assert own(again) == [] and again.written is None
    assert shown(emu, sid, "Deals", "I3") == "Overdue"  # A-2's Status
    type_in(emu, sid, "Deals", "I3", "paid by phone")
    type_in(emu, sid, "Deals", "L2", "2027-01-05")  # A-1's Next action due, as Sheets parses
    run_cli(["run", source, *T, "--fail-on", "warning"], 1,
            stderr="this run replaced 2 values a person typed in sheetsales' own "
                   "columns (OWN001)")
    assert shown(emu, sid, "Deals", "I3") == "Overdue"
    dry = sheetsales.run(source, Config(), TODAY, dry_run=True)
    assert own(dry) == []
    run_cli(["undo", source], 0)
    assert shown(emu, sid, "Deals", "I3") == "paid by phone"
    assert own(sheetsales.run(source, Config(), TODAY, dry_run=True)) == []  # undone: no record


def test_the_finding_names_the_cells_on_each_tab(emu, env):
    sid = load(emu, [("Ann", ANN), ("Bob", BOB)])
    source = f"gsheet:{sid}"
    sheetsales.run(source, Config(), TODAY)
    type_in(emu, sid, "Bob", "I2", "chased")  # B-1's Status
    type_in(emu, sid, "Ann", "K3", "wait for Ann")  # A-2's Next action
    result = sheetsales.run(source, Config(), TODAY)
    found = {f.sheet: f for f in own(result)}
    assert set(found) == {"Ann", "Bob"} and result.numbers.typed_over == 2
    assert found["Bob"].cell == "Bob!I1" and found["Bob"].severity == "warning"
    assert 'I2 (deal B-1): "chased" where sheetsales wrote "Overdue"' in found["Bob"].message
    assert 'K3 (deal A-2): "wait for Ann" where sheetsales wrote "Deliver (due 2026-11-24)"' \
        in found["Ann"].message
    assert shown(emu, sid, "Bob", "I2") == "Overdue"
    assert own(sheetsales.run(source, Config(), TODAY)) == []
