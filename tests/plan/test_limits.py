"""Everything sheetsales writes stays within Excel's limits by construction (SPEC §4, §10):
our own text is cut visibly to a cell's 32,767 UTF-16 units, the Reminders sheet keeps to
1,048,576 rows and says in its first row what it left out, and no run fails on its own text."""

import csv
import datetime as dt

import pytest
from python_calamine import CalamineWorkbook

from excel_limits import excel_limits
from helpers import HEADERS, run_cli, write_deals
from libreoffice import to_csv
from sheetsales import write_xlsx
from sheetsales.core.cells import MAX_COL, MAX_ROW, MAX_TEXT, fit_text, utf16_len
from sheetsales.core.config import Config
from sheetsales.core.errors import WriteConflict
from sheetsales.plan.columns import choose_layout
from sheetsales.plan.reminders import reminder_rows
from sheetsales import check
from sheetsales.sources.memory import MemoryGrid

TODAY = ["--today", "2026-11-27"]
EMOJI = "\U0001F600"


def cells(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, "short"),
    ("x" * 10, 10, "x" * 10),
    ("x" * 11, 10, "x" * 7 + "..."),
    (EMOJI * 6, 10, EMOJI * 3 + "..."),  # 12 units: 3 emoji (6) and the dots (3) fit
    ("ab" + EMOJI * 3, 7, "ab" + EMOJI + "..."),  # never half an emoji
])
def test_fit_text_counts_utf16_units_and_ends_in_dots(text, limit, expected):
    assert fit_text(text, limit) == expected
    assert utf16_len(fit_text(text, limit)) <= limit


def test_a_full_next_step_cell_does_not_make_the_run_fail(tmp_path):
    """A legal 32,767-character Next step: the run used to be refused every night on
    Reminders!D2, a cell of sheetsales' own making."""
    headers = [*HEADERS, "Next step"]
    row = ["D-1", "Acme", "Ana", "Proposal", 1000, dt.date(2026, 11, 1), dt.date(2026, 11, 2),
           dt.date(2026, 11, 3), None, None, dt.date(2026, 11, 20), "n" * MAX_TEXT]
    path = write_deals(tmp_path / "deals.xlsx", [row], headers=headers)
    run_cli(["run", path, *TODAY], 0, stdout="reminders")
    reminders = cells(path, "Reminders")
    action = reminders[1][3]
    assert action.endswith("...") and utf16_len(action) == MAX_TEXT
    flags = cells(path, "Deals")[1][headers.index("Next step") + 2]
    assert flags.endswith("...") and utf16_len(flags) <= MAX_TEXT
    assert excel_limits(path) == []


def test_a_next_step_of_emoji_is_cut_by_utf16_units(tmp_path):
    """16,383 emoji are 32,766 UTF-16 units, a legal cell; Flags quoting it were cut by code
    points and refused by the writer on Deals!M2."""
    headers = [*HEADERS, "Next step"]
    row = ["D-1", "Acme", "Ana", "Proposal", 1000, dt.date(2026, 11, 1), dt.date(2026, 11, 2),
           dt.date(2026, 11, 3), None, None, dt.date(2026, 11, 20), EMOJI * 16_383]
    path = write_deals(tmp_path / "deals.xlsx", [row], headers=headers)
    run_cli(["run", path, *TODAY], 0)
    deals = cells(path, "Deals")
    flags = deals[1][headers.index("Next step") + 2]
    assert flags.endswith("...") and MAX_TEXT - 4 <= utf16_len(flags) <= MAX_TEXT
    assert EMOJI in flags and "\ufffd" not in flags
    assert utf16_len(cells(path, "Reminders")[1][3]) <= MAX_TEXT
    assert excel_limits(path) == []


def _report(deals: int):
    """`deals` Lead deals, each idle and past its next step: two reminders apiece."""
    rows = [["Deal ID", "Company", "Owner", "Stage", "Created", "Next step due"]]
    for i in range(1, deals + 1):
        rows.append([f"D-{i}", "Acme", "Ann" if i % 2 else "Bob", "Lead",
                     dt.date(2026, 1, 1), dt.date(2026, 2, i % 28 + 1)])
    return check(MemoryGrid({"Deals": rows}), Config(), dt.date(2026, 3, 1))


def test_reminders_past_the_cap_keep_the_most_urgent_and_say_how_many_were_left_out():
    report = _report(10)
    full = reminder_rows(report)
    assert len(full) == 11 and full[0][0] == "Owner"  # header and 10 items: nothing said
    capped = reminder_rows(report, cap=5)
    assert len(capped) == 7
    assert capped[0][0].startswith("5 more reminders were left out")  # the first row says so
    assert capped[1] == full[0]
    kept = capped[2:]
    assert [r[0] for r in kept] == sorted(r[0] for r in kept)  # still grouped by owner
    dues = sorted(r[4] for r in full[1:] if r[4] is not None)  # all warnings: due decides
    assert sorted(r[4] for r in kept) == dues[:5]


def test_no_status_column_past_excels_last_column():
    rows = [["Deal ID", "Company", "Owner", "Stage"], ["D-1", "Acme", "Ann", "Lead"]]
    report = check(MemoryGrid({"Deals": rows}), Config(), dt.date(2026, 3, 1))
    with pytest.raises(WriteConflict, match="no free column .* XFD"):
        choose_layout(report, Config().status_columns, {}, MAX_COL - 2)


def test_an_owned_sheet_past_the_last_row_is_refused_before_anything_is_written(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", "Acme", "Ann", "Lead"]])
    before = path.read_bytes()
    with pytest.raises(WriteConflict, match="1,048,577 rows, more than the 1,048,576"):
        write_xlsx(path, {}, {"Reminders": [["x"]] * (MAX_ROW + 1)})
    with pytest.raises(WriteConflict, match="16,385 columns"):
        write_xlsx(path, {}, {"Reminders": [["x"] * (MAX_COL + 1)]})
    assert path.read_bytes() == before


def test_a_full_reminders_sheet_stays_within_excel_and_libreoffice_opens_it_whole(tmp_path):
    """The 1,048,576-row case: a Reminders sheet as full as the plan makes it (a header that
    says what was left out, then 1,048,575 items), written into a workbook, has every row
    where Excel allows it, and LibreOffice reads every row back (nothing cut, no repair)."""
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", "Acme", "Ann", "Lead"]])
    header = ["Owner", "Deal ID", "Company", "Action", "Due", "Days overdue", "Status", "Row",
              "3 of 1,048,578 items left out"]
    due = dt.date(2026, 2, 1)
    items = ([("Ann", "Bob")[i % 2], f"D-{i}", "Acme", "Make initial contact: next step "
              "27 days overdue", due, 27, "Overdue", i + 1] for i in range(1, MAX_ROW))
    write_xlsx(path, {}, {"Reminders": [header, *items]})
    assert excel_limits(path) == []
    out = to_csv([path], tmp_path)
    with open(out / "deals-Reminders.csv", newline="", encoding="utf-8") as f:
        count, first, last = 0, None, None
        for count, row in enumerate(csv.reader(f), 1):
            first = first or row
            last = row
    assert count == MAX_ROW and first == header
    assert last[:3] == ["Bob", f"D-{MAX_ROW - 1}", "Acme"]


@pytest.mark.parametrize("title", [EMOJI * 16, "x" * 32, "a/b", "'x", "History", " "])
def test_an_owned_sheet_title_excel_would_refuse_is_refused(tmp_path, title):
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", "Acme", "Ann", "Lead"]])
    with pytest.raises(WriteConflict, match="cannot be a sheet name"):
        write_xlsx(path, {}, {title: [["x"]]})


def test_a_title_of_31_utf16_units_is_accepted(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", "Acme", "Ann", "Lead"]])
    write_xlsx(path, {}, {EMOJI * 15 + "x": [["x"]]})
    assert excel_limits(path) == []
