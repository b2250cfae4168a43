"""The cleaners: golden before/after sheets per cleaner, the matching rules one by one, and
hypothesis properties (idempotent, only their own columns, old values as read, every change
in the diff)."""

import csv
import datetime as dt
import io
import json
import os
import tomllib
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsales.core.cells import parse_ref
from sheetsales.cleanup import (KINDS, CleanOptions, Table, clean, detect_pattern,
                                owned_columns, read_table, render_diff, show, tidy)
from sheetsales.cleanup.deal_ids import IdAllocator, IdPattern
from sheetsales.cleanup.stage_labels import resolve
from sheetsales.core.config import Config, _validate, build_config
from sheetsales.core.errors import ConfigError
from sheetsales.sources import MemoryGrid, open_grid

GOLDEN = Path(__file__).parent / "golden"
CASES = tomllib.loads((GOLDEN / "cases.toml").read_text(encoding="utf-8"))
REGOLD = os.environ.get("SHEETSALES_REGOLD") == "1"  # rewrite the golden files once, by hand
NBSP = "\u00a0"


# --- golden files: [2026-07-14] is a date cell, #42 a number, anything else text ---------

def parse_cell(text: str):
    if text == "":
        return None
    if text.startswith("[") and text.endswith("]"):
        return dt.date.fromisoformat(text[1:-1])
    if text.startswith("#"):
        return float(text[1:])
    return text


def format_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"[{value.isoformat()}]"
    if isinstance(value, (int, float)):
        return f"#{int(value) if float(value).is_integer() else value}"
    return value


def grid_from_csv(text: str) -> MemoryGrid:
    rows = [[parse_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
    return MemoryGrid({"Deals": rows})


def table_csv(table: Table, above: list[list]) -> str:
    """The sheet as golden CSV: the rows above the data as read, then the data rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[format_cell(c) for c in row] for row in above])
    for number in sorted(table.rows):
        writer.writerow([format_cell(c) for c in table.rows[number]])
    return out.getvalue()


def case_config(case) -> Config:
    return build_config(_validate(case.get("config", {}), "case"))


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name):
    case = CASES[name]
    before = (GOLDEN / f"{case.get('before', name)}.before.csv").read_text(encoding="utf-8")
    config = case_config(case)
    grid = grid_from_csv(before)
    table = read_table(grid, config)
    above = [cells for number, cells in grid.rows("Deals") if number <= table.header_row]
    result = clean(case["kinds"], table, config, CleanOptions(mappings=case.get("mappings", {})))
    diff, after = render_diff(result), table_csv(table.apply(result.changes), above)
    expected_diff, expected_after = GOLDEN / f"{name}.expected.txt", GOLDEN / f"{name}.after.csv"
    if REGOLD:
        expected_diff.write_text(diff, encoding="utf-8")
        expected_after.write_text(after, encoding="utf-8")
    assert diff == expected_diff.read_text(encoding="utf-8")
    assert after == expected_after.read_text(encoding="utf-8")
    again = clean(case["kinds"], read_table(grid_from_csv(after), config), config,
                  CleanOptions(mappings=case.get("mappings", {})))
    assert again.changes == []


def test_every_cleaner_has_a_golden_case():
    assert {k for case in CASES.values() for k in case["kinds"]} >= {*KINDS, "all"}


# --- whitespace ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    (f"  Acme{NBSP}Ltd ", "Acme Ltd"),
    ("Ana   Silva", "Ana Silva"),
    ("a\t\tb", "a b"),
    ("one  \n  two", "one\ntwo"),  # line breaks in a note are kept
    ("x\u200by", "xy"),
    ("   ", ""),
    ("fine", "fine"),
])
def test_tidy(text, expected):
    assert tidy(text) == expected


def test_whitespace_leaves_numbers_dates_and_amount_text_alone():
    table = read_table(MemoryGrid({"Deals": [
        ["Deal ID", "Company", "Amount", "Created", "Region"],
        ["D-1", " Acme ", " 1,200 ", " 2026-03-01 ", "  North  "]]}), Config())
    result = clean(["whitespace"], table, Config())
    assert [(c.cell, c.new) for c in result.changes] == [("B2", "Acme")]


# --- stages --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,label", [
    ("Proposl", "Proposal"), (" closed-won", "Won"), ("06-Closed Won", "Won"),
    ("03-Discovery / Need Analysis", "Discovery"), ("Negotiations", "Proposal"),
    ("Closd Won", "Won"), ("Delivred", "Delivered"), ("Folowed up", "Followed up"),
    ("Prospectng", "Lead"), ("CANCELLED", "Lost"),
    ("Pitching", None), ("Closed", None), ("Contracted", None), ("news", None),
    ("Qualifying", "Discovery"), ("On hold", None),
])
def test_stage_matching(text, label):
    stage, why = resolve(text, Config().stages, {})
    assert (stage.label if stage else None) == label
    assert bool(why) == (label is None)


def test_unclear_stage_names_its_candidates():
    _, why = resolve("Closed", Config().stages, {})
    assert why == "not clearly one stage (could be Won or Lost)"


def test_stage_writes_configured_label():
    config = build_config(_validate({"stages": [{"label": "Closed Won", "aliases": ["won"]}]},
                                    "test"))
    table = read_table(MemoryGrid({"Deals": [["Deal ID", "Company", "Stage"],
                                             ["D-1", "Acme", "won"], ["D-2", "Beta", "Wonn"],
                                             ["D-3", "Gamma", "Closed Won"]]}), config)
    assert [(c.cell, c.new) for c in clean(["stages"], table, config).changes] == \
        [("C2", "Closed Won")]


def test_map_decides_and_bad_map_is_a_config_error():
    table = read_table(MemoryGrid({"Deals": [["Deal ID", "Company", "Stage"],
                                             ["D-1", "Acme", " pitching "]]}), Config())
    mapped = clean(["stages"], table, Config(), CleanOptions(mappings={"Pitching": "proposal"}))
    assert [c.new for c in mapped.changes] == ["Proposal"]
    with pytest.raises(ConfigError, match='--map "Pitching=Pitch"'):
        clean(["stages"], table, Config(), CleanOptions(mappings={"Pitching": "Pitch"}))


def test_unknown_cleaner_is_a_config_error():
    table = read_table(MemoryGrid({"Deals": [["Deal ID", "Company", "Stage"]]}), Config())
    with pytest.raises(ConfigError, match="unknown cleaner 'stage'"):
        clean(["stage"], table, Config())


# --- dates ---------------------------------------------------------------------------------

def test_csv_sources_get_iso_text_dates(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Company,Created\nD-1,Acme,14/07/2026\nD-2,Beta,2026-07-15\n",
                    encoding="utf-8")
    table = read_table(open_grid(path), Config())
    result = clean(["dates"], table, Config())
    assert [(c.cell, c.old, c.new) for c in result.changes] == \
        [("C2", "14/07/2026", "2026-07-14")]


def test_date_skips_explain_the_fix():
    table = read_table(MemoryGrid({"Deals": [
        ["Deal ID", "Company", "Created", "First contact", "Proposal sent"],
        ["D-1", "Acme", "04/07/2026", "30/02/2026", "next week"]]}), Config())
    reasons = {s.cell: s.reason for s in clean(["dates"], table, Config()).skipped}
    assert reasons == {
        "Deals!C2": 'ambiguous date (2026-07-04 day first or 2026-04-07 month first); set '
                    'date_order = "DMY" or "MDY" under [rules]',
        "Deals!D2": "impossible date: no such day; correct it by hand",
        "Deals!E2": "not a date; correct it by hand or move it to Notes"}


# --- ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ids,pattern", [
    (["D-0041", "D-0007"], IdPattern("D-", 4)),
    (["D-1", "D-12"], IdPattern("D-", 0)),
    (["LEAD-001", "LEAD-002", "X-9"], IdPattern("LEAD-", 3)),
    (["2026-001", "2026-014"], IdPattern("2026-", 3)),
    (["INV12A"], IdPattern("INV", 0, "A")),
    ([7.0, 12.0, "A-1"], IdPattern("", 0, numeric=True)),
    (["0042"], IdPattern("", 4)),
    ([], IdPattern("D-", 4)),
    (["ACME"], IdPattern("D-", 4)),
])
def test_detect_pattern(ids, pattern):
    assert detect_pattern(ids) == pattern


def test_fresh_ids_skip_taken_and_reserved():
    ids = IdAllocator(["D-0041", "D-0040", "d-0043"], reserved={"D-0042", "D-0044"})
    assert [ids.fresh(), ids.fresh()] == ["D-0045", "D-0046"]
    numeric = IdAllocator([7.0, 9.0, "10"])  # numbers win; the text "10" is still taken
    assert [numeric.fresh(), numeric.fresh()] == [11, 12]


def test_ids_from_a_real_workbook(tmp_path):
    """calamine reads number cells as floats; new IDs stay numbers, dates become cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(["Notes above the table"])
    sheet.append([None, None, "Deal ID", "Company", "Stage", "Created"])
    sheet.append([None, None, 7, "Acme", "Proposl", "14/07/2026"])
    sheet.append([None, None, None, "Beta", "Won", dt.date(2026, 7, 1)])
    sheet.append([None, None, 12, f"Gamma{NBSP}", "Lead", None])
    book.save(tmp_path / "deals.xlsx")
    table = read_table(open_grid(tmp_path / "deals.xlsx"), Config())
    result = clean(["all"], table, Config())
    assert [(c.sheet, c.cell, c.old, c.new) for c in result.changes] == [
        ("Deals", "E3", "Proposl", "Proposal"),
        ("Deals", "F3", "14/07/2026", dt.date(2026, 7, 14)),
        ("Deals", "C4", "", 13),  # calamine reads an empty cell inside the range as ""
        ("Deals", "D5", f"Gamma{NBSP}", "Gamma"),
    ]


# --- dupes ---------------------------------------------------------------------------------

def test_dupes_flags_rows_for_a_person():
    table = read_table(grid_from_csv((GOLDEN / "dupes.before.csv").read_text("utf-8")),
                       Config())
    result = clean(["dupes"], table, Config())
    assert result.flags == {
        3: "duplicate of row 2 (same Deal ID and content)",
        5: "Deal ID D-0042 was also used by row 4; given D-0047",
        6: "possible duplicate of row 2",
        9: "possible duplicate of row 8",
    }
    assert [(g.kind, g.rows) for g in result.duplicates] == [
        ("exact", (2, 3)), ("same_id", (4, 5)), ("similar", (2, 3, 6)), ("similar", (8, 9))]


def test_dupe_window_is_an_option():
    table = read_table(grid_from_csv((GOLDEN / "dupes.before.csv").read_text("utf-8")),
                       Config())
    result = clean(["dupes"], table, Config(), CleanOptions(dupe_days=3))
    assert [g.rows for g in result.duplicates if g.kind == "similar"] == []


# --- result and rendering ------------------------------------------------------------------

def test_show_spells_out_invisible_characters():
    assert show(f'say "hi"{NBSP}\n') == '"say \\"hi\\"\\u00a0\\n"'
    assert show(None) == '""'
    assert show(dt.date(2026, 7, 14)) == "2026-07-14"
    assert show(7.0) == "7"


def test_as_dict_is_json():
    table = read_table(grid_from_csv((GOLDEN / "all.before.csv").read_text("utf-8")), Config())
    data = json.loads(json.dumps(clean(["all"], table, Config()).as_dict()))
    assert data["counts"] == {"whitespace": 4, "stages": 2, "dates": 3, "amounts": 0, "ids": 1, "dupes": 1}
    first = data["changes"][0]
    assert first == {"sheet": "Deals", "cell": "B4", "ref": "Deals!B4", "row": 4,
                     "column": "Company", "deal_id": "D-0041", "kinds": ["whitespace"],
                     "old": f" Acme{NBSP}Ltd",
                     "new": "Acme Ltd"}
    assert data["flags"] == [
        {"row": 6, "text": "Deal ID D-0041 was also used by row 4; given D-0045"},
        {"row": 7, "text": "possible duplicate of row 5"}]


# --- properties ----------------------------------------------------------------------------

HEADERS = ["Deal ID", "Company", "Contact", "Product", "Stage", "Amount", "Created",
           "First contact", "Notes", "Region"]  # Region is the user's own column
SPACEY = st.text(alphabet=[" ", NBSP, "\t", "\n", "\u200b", "a", "B", "-"], max_size=6)
IDS = st.one_of(st.none(), st.sampled_from(["", "  ", "D-0001", "D-0002", " D-0002", "d-0003",
                                            "X-7", "ACME", "0042"]), SPACEY)
NAMES = st.one_of(st.none(), st.sampled_from(["Acme", " acme ", f"Acme{NBSP}", "Beta  Co",
                                              "\u200b"]), SPACEY)
STAGES = st.one_of(st.none(), SPACEY, st.sampled_from([
    "Proposl", " closed-won", "Won", "Pitching", "Closed", "06-Closed Won", "lead", "LOST ",
    "Contracted", "negotiation", "3"]))


@st.composite
def text_dates(draw):
    day = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
    form = draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d %b %Y", " %Y-%m-%d ",
                                 "30/02/%Y", "ASAP", "%d.%m.%y"]))
    return day.strftime(form)


def cell_strategies(typed: bool):
    dates = st.one_of(st.none(), text_dates())
    amounts = st.one_of(st.none(), st.sampled_from(["$1,200", " 900 ", "abc"]))
    ids = IDS
    if typed:  # a workbook also holds real dates, date-times and numbers
        dates = st.one_of(dates, st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
                          st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)))
        amounts = st.one_of(amounts, st.floats(0, 1e6, allow_nan=False))
        ids = st.one_of(ids, st.integers(1, 20).map(float))
    return [ids, NAMES, NAMES, NAMES, STAGES, amounts, dates, dates, SPACEY, SPACEY]


@st.composite
def sheets(draw):
    typed = draw(st.booleans())
    cells = cell_strategies(typed)
    rows = draw(st.lists(st.tuples(*cells).map(list), max_size=12))
    order = draw(st.sampled_from([None, "DMY", "MDY"]))
    kinds = draw(st.one_of(st.just(["all"]), st.sets(st.sampled_from(KINDS), min_size=1)
                           .map(sorted)))
    mappings = draw(st.sampled_from([{}, {"Pitching": "Proposal", "closed": "Lost"}]))
    config = build_config(_validate({"rules": {"date_order": order}} if order else {}, "test"))
    grid = MemoryGrid({"Deals": [HEADERS, *rows]}, serial_dates=typed)
    return grid, config, kinds, CleanOptions(mappings=mappings, dupe_days=draw(
        st.integers(0, 30)))


def reread(table: Table) -> Table:
    """The table as a source reads it back after the write."""
    rows = [HEADERS, *[table.rows[r] for r in sorted(table.rows)]]
    return read_table(MemoryGrid({"Deals": rows}, serial_dates=table.serial_dates), Config())


PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(sheets())
def test_clean_is_idempotent(sheet):
    grid, config, kinds, options = sheet
    table = read_table(grid, config)
    result = clean(kinds, table, config, options)
    after = reread(table.apply(result.changes))
    assert clean(kinds, after, config, options).changes == []


@PROPERTY
@given(sheets())
def test_clean_changes_only_its_columns_of_deal_rows(sheet):
    grid, config, kinds, options = sheet
    table = read_table(grid, config)
    result = clean(kinds, table, config, options)
    for fix in result.fixes:
        row, col = parse_ref(fix.change.cell)
        assert (row, col) == (fix.change.row, fix.change.col)
        col -= 1  # the table's columns count from 0
        assert row == fix.row and row in table.deals
        assert set(fix.kinds) <= set(result.kinds)
        assert all(col in owned_columns(k, table, config) for k in fix.kinds)


@PROPERTY
@given(sheets())
def test_every_change_is_in_the_diff_with_the_cell_as_read(sheet):
    grid, config, kinds, options = sheet
    table = read_table(grid, config)
    result = clean(kinds, table, config, options)
    diff = render_diff(result).splitlines()
    cells = [c.cell for c in result.changes]
    assert len(cells) == len(set(cells))  # at most one change per cell
    for fix in result.fixes:
        assert table.get(fix.change.row, fix.change.col - 1) is fix.change.old
        named = f" ({show(fix.deal_id)[1:-1]})" if fix.deal_id else ""
        assert f"Deals!{fix.change.cell}{named}: {show(fix.change.old)} -> " \
            f"{show(fix.change.new)}" in diff
    assert len([line for line in diff if " -> " in line]) == len(result.changes)



def test_locked_cells_are_left_alone_not_planned():
    """Cells the writer refuses (formulas) are reported, so the dry run is what --apply does."""
    table = read_table(MemoryGrid({"Deals": [["Deal ID", "Company", "Stage"],
                                             ["D-1", " Acme ", "Proposl"]]}), Config())
    result = clean(["all"], table, Config(), CleanOptions(locked={"B2": "holds a formula"}))
    assert [c.cell for c in result.changes] == ["C2"]
    assert [(s.cell, s.reason) for s in result.skipped] == \
        [("Deals!B2", 'holds a formula; would be "Acme"')]


def test_a_big_duplicate_group_is_shown_in_part():
    rows = [["Deal ID", "Company", "Contact"], *[["TBD", f"Co {i}", "Ann"] for i in range(9)]]
    result = clean(["dupes"], read_table(MemoryGrid({"Deals": rows}), Config()), Config())
    assert len(result.changes) == 8 and len(result.duplicates[0].rows) == 9
    diff = render_diff(result)
    assert "    and 3 more rows (all listed in --format json)\n" in diff
    assert "row 8 ID D-0006 and 2 more:" in diff


def workbook_from_csv(text: str, path: Path) -> Path:
    """A real workbook holding a golden sheet: text as text (even "=..."), dates as dates."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Deals"
    for row in csv.reader(io.StringIO(text)):
        sheet.append([parse_cell(c) for c in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    book.save(path)
    return path


def trimmed(cells: list) -> list:
    while cells and cells[-1] is None:
        cells = cells[:-1]
    return cells


@pytest.mark.parametrize("name", list(CASES))
def test_golden_through_a_real_workbook(name, tmp_path):
    """The same golden cases applied with `clean --apply` to real .xlsx files through the
    surgical writer, read back with calamine, equal the golden after-sheets."""
    import sheetsales

    case = CASES[name]
    before = (GOLDEN / f"{case.get('before', name)}.before.csv").read_text(encoding="utf-8")
    path = workbook_from_csv(before, tmp_path / "deals.xlsx")
    result = sheetsales.clean(path, case["kinds"],
                              sheetsales.load_config(None, overrides=case.get("config", {})),
                              apply=True, mappings=case.get("mappings", {}))
    assert bool(result.written) == bool(result.changes)
    config = case_config(case)
    grid = open_grid(path)
    table = read_table(grid, config)
    above = [trimmed([None if c == "" else c for c in cells])  # calamine pads rows out
             for number, cells in grid.rows("Deals") if number <= table.header_row]
    after = (GOLDEN / f"{name}.after.csv").read_text(encoding="utf-8")
    assert table_csv(table, above) == after


def test_the_cleaners_run_in_the_order_the_command_line_offers():
    from sheetsales.cleanup.runner import CLEANERS

    assert tuple(CLEANERS) == KINDS


def test_csv_dates_keep_the_columns_own_format_and_proven_order(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Company,Created\nD-1,Acme,20/10/2026\nD-2,Beta,03/04/2026\n"
                    "D-3,Gamma,4 Mar 2026\nD-4,Delta,2026-07-15\nD-5,Eta,21/10/2026\n",
                    encoding="utf-8")
    table = read_table(open_grid(path), Config())
    result = clean(["dates"], table, Config())
    assert [(c.cell, c.old, c.new) for c in result.changes] == \
        [("C4", "4 Mar 2026", "04/03/2026"), ("C5", "2026-07-15", "15/07/2026")]
    assert result.skipped == []  # 03/04/2026: the column proves day first
