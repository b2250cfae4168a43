"""OWN001 (issue 22, item 7): a value a person typed over sheetsales' own status cells is
reported (one finding per tab, naming the cells) before the write replaces it, and `undo`
gives it back; on real .xlsx workbooks, one tab and several."""

import datetime as dt

import openpyxl

import sheetsales
from helpers import CLEAN, OVERDUE, run_cli, write_deals
from sheetsales.core.config import Config
from sheetsales.core.owned import STATUS_KEYS
from sheetsales.nightly.history import History, history_path

TODAY = dt.date(2026, 11, 27)
T = ["--today", "2026-11-27"]


def type_in(path, sheet, cell, value):
    """A person types `value` in `cell`, as Excel saves it."""
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def cell(path, sheet, ref):
    return openpyxl.load_workbook(path)[sheet][ref].value


def own(report):
    return [f for f in report.findings if f.code == "OWN001"]


def test_a_first_run_and_an_untouched_sheet_report_nothing(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    first = sheetsales.run(book, Config(), TODAY)
    assert own(first.plan.report) == [] and first.written
    again = sheetsales.run(book, Config(), TODAY)
    assert own(again.plan.report) == [] and again.written is None
    later = sheetsales.run(book, Config(), TODAY + dt.timedelta(days=5))  # statuses change
    assert own(later.plan.report) == [] and later.written


def test_typed_over_status_cells_is_one_warning_naming_them_then_replaced_and_undone(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    run_cli(["run", book, *T], 0)
    assert cell(book, "Deals", "L3") == "Overdue"  # Status of D-2, right of the data
    type_in(book, "Deals", "L3", "called, paying Friday")
    type_in(book, "Deals", "N2", "ask Ana")  # D-1's Next action
    result = run_cli(["run", book, *T, "--fail-on", "warning"], 1,
                     stderr="this run replaced 2 values a person typed in sheetsales' own "
                            "columns (OWN001)")
    assert "Wrote" in result.stdout
    assert cell(book, "Deals", "L3") == "Overdue" and cell(book, "Deals", "N2") != "ask Ana"
    (found,) = own(sheetsales.run(book, Config(), TODAY, dry_run=True).plan.report) or [None]
    assert found is None  # rewritten: nothing typed any more
    run_cli(["undo", book], 0)
    assert cell(book, "Deals", "L3") == "called, paying Friday"
    assert cell(book, "Deals", "N2") == "ask Ana"
    # after the undo the record no longer vouches for the cells: nothing is claimed from it
    result = sheetsales.run(book, Config(), TODAY, dry_run=True)
    assert own(result.plan.report) == []


def test_the_finding_names_cell_deal_typed_and_written_values_and_the_fix(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    sheetsales.run(book, Config(), TODAY)
    # rows move: the deals are sorted the other way round, statuses with them
    wb = openpyxl.load_workbook(book)
    sheet = wb["Deals"]
    two, three = [[c.value for c in sheet[r]] for r in (2, 3)]
    for col, (a, b) in enumerate(zip(two, three), 1):
        sheet.cell(2, col).value, sheet.cell(3, col).value = b, a
    wb.save(book)
    assert own(sheetsales.run(book, Config(), TODAY).plan.report) == []
    type_in(book, "Deals", "L2", "Paid")  # D-2, now on row 2
    type_in(book, "Deals", "O3", dt.datetime(2027, 1, 5))  # D-1's Next action due
    dry = sheetsales.run(book, Config(), TODAY, dry_run=True)
    assert dry.numbers.typed_over == 2
    assert any("would replace 2 values" in n for n in dry.plan.notes)
    (found,) = own(dry.plan.report)
    assert found.severity == "warning" and found.row == 1 and found.cell == "Deals!L1"
    assert found.column == "Status" and found.deal_id is None and found.value == "Paid"
    assert found.message.startswith("2 cells of sheetsales' own columns hold what a person "
                                    "typed, which the next write replaces: ")
    assert 'L2 (deal D-2): "Paid" where sheetsales wrote "Overdue"' in found.message
    assert 'O3 (deal D-1): "2027-01-05" where sheetsales wrote "2026-12-02"' \
        in found.message
    assert "Reminders sheet's Notes column or a column of your own" in found.hint
    statuses = dry.plan.report.statuses()
    assert statuses[2].status == "Overdue"  # a header-row finding changes no deal's status


def test_a_new_deal_and_a_cleared_cell_are_no_ones_typing(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    sheetsales.run(book, Config(), TODAY)
    wb = openpyxl.load_workbook(book)
    wb["Deals"].append(OVERDUE + [None, None, "Hot", None])  # typed on a deal new since
    wb["Deals"]["M2"] = None  # D-1's Flags emptied
    wb.save(book)
    assert own(sheetsales.run(book, Config(), TODAY).plan.report) == []


def test_several_tabs_each_their_own_finding(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN], title="Ann")
    wb = openpyxl.load_workbook(book)
    bob = wb.create_sheet("Bob")
    bob.append([c.value for c in wb["Ann"][1]])
    bob.append(["B-2", *OVERDUE[1:]])
    wb.save(book)
    sheetsales.run(book, Config(), TODAY)
    with History.open(history_path(Config(), book)) as history:
        record = history.owned_record(book, STATUS_KEYS)
    assert set(record) == {"Ann", "Bob"} and record["Bob"]["B-2"][0] == "Overdue"
    type_in(book, "Bob", "L2", "mine")
    result = sheetsales.run(book, Config(), TODAY)
    (found,) = own(result.plan.report)
    assert found.sheet == "Bob" and "L2 (deal B-2)" in found.message
    assert [f.code for f in result.plan.report.parts()[1].findings].count("OWN001") == 1
    assert result.numbers.typed_over == 1 and cell(book, "Bob", "L2") == "Overdue"


def test_disabled_it_says_nothing_and_still_writes(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    sheetsales.run(book, Config(), TODAY)
    type_in(book, "Deals", "L3", "mine")
    config = sheetsales.load_config(None, overrides={"rules": {"disabled": ["OWN001"]}})
    result = sheetsales.run(book, config, TODAY)
    assert own(result.plan.report) == [] and cell(book, "Deals", "L3") == "Overdue"


def test_a_refused_write_keeps_the_record_and_the_next_run_reports_again(tmp_path):
    book = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    sheetsales.run(book, Config(), TODAY)
    type_in(book, "Deals", "L3", "mine")
    lock = tmp_path / "~$deals.xlsx"  # open in Excel: the write is refused, nothing lands
    lock.write_text("")
    refused = sheetsales.run(book, Config(), TODAY)
    assert refused.refused and len(own(refused.plan.report)) == 1
    assert refused.numbers.typed_over == 0 and cell(book, "Deals", "L3") == "mine"
    lock.unlink()
    result = sheetsales.run(book, Config(), TODAY)
    assert len(own(result.plan.report)) == 1 and result.numbers.typed_over == 1
    assert cell(book, "Deals", "L3") == "Overdue"
