"""A Google Sheet whose pipeline is kept over several tabs (issue 25, item 4): every deals tab
read, checked and written as one pipeline, as for a workbook, through the real gspread
against the loopback emulator."""

import datetime as dt

import pytest

import sheetsales
from helpers import run_cli
from two_tabs import ANN, BOB, HEADER
from sheetsales.core.config import Config
from sheetsales.core.errors import WriteConflict
from sheetsales.emulator.sheets_emulator import gspread_client
from sheetsales.operations.run import run_target
from sheetsales.sources.gsheets.write import GSheetTarget

TODAY = dt.date(2026, 11, 27)
T = ["--today", "2026-11-27"]
STATUS = ["Status", "Flags", "Next action", "Next action due"]


@pytest.fixture
def env(google):
    return google


def load(emu, tabs=(("Ann", ANN), ("Bob", BOB)), extra=()):
    sheets = [{"title": t, "values": [HEADER, *rows]} for t, rows in tabs]
    return emu.load({"title": "Team", "sheets": sheets + list(extra)})


def values(emu, sid, title, render="UNFORMATTED_VALUE"):
    return next(s["values"] for s in emu.dump(sid, render)["sheets"] if s["title"] == title)


def calls(emu) -> list[str]:
    return [f"{r['method']} {r['path'].split('/')[-1].split(':')[-1]}" for r in emu.requests()
            if r["path"] != "/token"]


def test_check_reads_every_deals_tab_and_names_them(emu, env):
    sid = load(emu, extra=[{"title": "Notes", "values": [["call the bank"]]}])
    report = sheetsales.check(f"gsheet:{sid}", Config(), TODAY)
    assert report.titles() == ["Ann", "Bob"] and len(report.deals) == 4
    assert {f.cell.split("!")[0] for f in report.findings} >= {"Ann", "Bob"}
    out = " ".join(run_cli(["check", f"gsheet:{sid}", *T], 0).stdout.split())
    assert "4 deals checked" in out and "tabs 'Ann', 'Bob'" in out
    assert "Tabs read: 'Ann' (2 deals, header row 1), 'Bob' (2 deals, header row 1)" in out
    assert "'Notes'" in out  # skipped, and said so


def test_run_writes_statuses_on_every_tab_and_one_reminders_tab(emu, env):
    sid = load(emu)
    emu.clear_requests()
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    result = run_target(target, Config(), TODAY)
    # read: 3; per deals tab: the re-read, and the batchUpdate that claims the status columns
    # and writes them, verified in its response (the last tab's also writes the Reminders)
    assert target.requests == 3 + 2 * 2 == len(calls(emu))
    assert "verified" in result.written and "Reminders" in result.written
    for title in ("Ann", "Bob"):
        rows = values(emu, sid, title, "FORMATTED_VALUE")
        assert rows[0][8:12] == STATUS, title
    assert values(emu, sid, "Bob", "FORMATTED_VALUE")[1][8] == "Overdue"
    assert values(emu, sid, "Ann", "FORMATTED_VALUE")[2][8] == "Overdue"
    reminders = values(emu, sid, "Reminders")
    assert {r[0] for r in reminders[1:]} == {"Ann", "Bob"}
    assert {r[7] for r in reminders[1:]} == {"Ann!A3", "Bob!A2", "Bob!A3"}
    ids = {s["title"]: s["sheetId"] for s in emu.dump(sid)["sheets"]}
    tab = emu.state.api.spreadsheets[sid].find_sheet("Reminders")
    links = {tab.cells[(r, 7)].fmt["textFormat"]["link"]["uri"] for r in (1, 2, 3)}
    assert links == {f"#gid={ids['Ann']}&range=A3", f"#gid={ids['Bob']}&range=A2",
                     f"#gid={ids['Bob']}&range=A3"}  # each to its deal's tab and row
    marks = emu.state.api.spreadsheets[sid].developer_metadata
    owned = {(m["location"]["dimensionRange"]["sheetId"], m["metadataValue"])
             for m in marks if m.get("metadataKey") == "sheetsales_column"}
    assert {(ids["Ann"], "status"), (ids["Bob"], "status")} <= owned

    emu.clear_requests()
    again = run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(), TODAY)
    assert again.plan.empty and len(calls(emu)) == 3  # nothing to write: the read only


def test_next_day_rewrites_each_tab_in_a_constant_number_of_requests(emu, env):
    many = [[f"B-{i}", f"Co {i}", "Bob", "Won", 100, "2026-10-03", "2026-10-04", "2026-11-20"]
            for i in range(1, 60)]
    sid = load(emu, (("Ann", ANN), ("Bob", many)))
    run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(), TODAY)
    emu.clear_requests()
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    later = run_target(target, Config(), TODAY + dt.timedelta(days=1))
    assert len(later.plan.changes) > 59  # every overdue row's flag says one more day
    assert target.requests == len(calls(emu)) == 3 + 3 * 2


def test_rows_sorted_on_one_tab_before_the_write_are_found_by_deal_id(emu, env):
    sid = load(emu)
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    bob = gspread_client(emu.url).open_by_key(sid).worksheet("Bob")
    bob.update([BOB[1], BOB[0]], "A2:H3", value_input_option="USER_ENTERED")  # a person sorts
    run_target(target, Config(), TODAY)
    rows = values(emu, sid, "Bob", "FORMATTED_VALUE")
    by_id = {r[0]: r[8] for r in rows[1:]}
    assert by_id == {"B-1": "Overdue", "B-2": "Due soon"}
    reminders = values(emu, sid, "Reminders")
    assert [r[7] for r in reminders[1:] if r[1] == "B-1"] == ["Bob!A3"]  # where B-1 is now


def test_a_conflict_on_a_later_tab_names_what_was_written(emu, env):
    sid = load(emu)
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    bob = gspread_client(emu.url).open_by_key(sid).worksheet("Bob")
    bob.update([["X-9"]], "A2", value_input_option="USER_ENTERED")  # B-1 vanishes
    with pytest.raises(WriteConflict, match="'Ann' had already been written"):
        run_target(target, Config(), TODAY)
    assert {c.sheet for c in target.written} == {"Ann"}  # journaled, so undo takes it back


def test_run_then_undo_restores_every_tab(emu, env):
    sid = load(emu)
    before = {t: values(emu, sid, t) for t in ("Ann", "Bob")}
    result = sheetsales.run(f"gsheet:{sid}", Config(), TODAY)
    assert result.written and not result.refused
    sheetsales.undo(f"gsheet:{sid}", Config())
    assert {t: values(emu, sid, t) for t in ("Ann", "Bob")} == before


def test_sheet_option_chooses_the_tabs(emu, env):
    sid = load(emu)
    out = " ".join(run_cli(["check", f"gsheet:{sid}", "--sheet", "Bob", *T], 0).stdout.split())
    assert "2 deals checked" in out and "'Bob'" in out and "Ann!" not in out


def test_links_follow_rows_sorted_on_a_tab_with_nothing_else_to_write(emu, env):
    sid = load(emu)
    run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(), TODAY)
    book = gspread_client(emu.url).open_by_key(sid)
    book.worksheet("Ann").update([["Delivered", "", "", "2026-11-25"]], "D3:G3",
                                 value_input_option="USER_ENTERED")  # A-2 delivered
    target = GSheetTarget.open(f"gsheet:{sid}", environ=env)
    rows = values(emu, sid, "Bob", "FORMATTED_VALUE")
    book.worksheet("Bob").update([rows[2], rows[1]], "A2:L3",
                                 value_input_option="USER_ENTERED")  # a person sorts Bob
    result = run_target(target, Config(), TODAY)
    assert not [c for c in result.plan.changes if c.sheet == "Bob"]  # Bob: no new status
    reminders = values(emu, sid, "Reminders")
    assert result.plan.reminders is not None  # rewritten: Ann's A-2 changed
    assert {r[1]: r[7] for r in reminders[1:] if r[1].startswith("B")} == \
        {"B-1": "Bob!A3", "B-2": "Bob!A2"}


def test_a_summary_turned_on_later_is_written_when_no_tab_changes(emu, env):
    from sheetsales.core.settings import SummarySettings
    sid = load(emu)
    run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env),
               Config(summary=SummarySettings(sheet=False)), TODAY)
    result = run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(), TODAY)
    assert not result.plan.changes and result.plan.summary is not None
    assert values(emu, sid, "Summary")[0][0] == "Pipeline summary"


@pytest.mark.parametrize("nth", [3, 4])  # before Bob's write by record, and its batchUpdate
def test_rows_sorted_during_the_last_tabs_write_keep_the_reminders_on_their_deals(emu, env, nth):
    sid = load(emu)
    run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(), TODAY)
    emu.clear_requests()
    emu.queue_mutation({"action": "sort", "range": "Bob!A2:Z3", "column": "B", "descending": True,
                        "before": {"method": "POST", "path_contains": ":batchUpdate", "nth": nth}})
    result = run_target(GSheetTarget.open(f"gsheet:{sid}", environ=env), Config(),
                        TODAY + dt.timedelta(days=1))
    assert "rows moved during the write" in result.written and not emu.state.mutations
    bob = values(emu, sid, "Bob")
    links = {r[1]: r[7] for r in values(emu, sid, "Reminders")[1:] if r[0] == "Bob"}
    assert links and all(bob[int(link.split("!A")[1]) - 1][0] == deal
                         for deal, link in links.items()), (links, bob)
    sent = [k for r in emu.requests() if r["method"] == "POST" and r["body"]
            for q in r["body"].get("requests", []) for k in q]
    assert sent.count("setBasicFilter") == 1  # the Reminders' filter: not again by the repair
