"""No cleaner creates a formula (SPEC §10): in a CSV, a cell whose cleaned text would start
with = + - @, TAB or CR stays as it was and is reported; in an xlsx, text is written as text.
A property over every cleaner and both file outputs: no output cell is a live formula unless
the input cell was that very cell."""

import csv
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings, strategies as st

import sheetsales
from helpers import run_cli, write_deals
from sheetsales.cleanup.runner import FORMULA_STARTS
from sheetsales.core.config import Config

DDE = " =cmd|' /C calc'!A0"
HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Created", "Notes"]


def write_csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_whitespace_clean_leaves_a_dde_payload_as_it_was_and_says_so(tmp_path):
    path = write_csv(tmp_path / "deals.csv", [HEADERS, ["D-1", DDE, "Ann", "Lead", "", ""],
                                              ["D-2", "  Beta  ", "Bo", "Lead", "", ""]])
    before = path.read_bytes()
    result = run_cli(["clean", "whitespace", path, "--apply"], 0)
    assert "deals!B2" not in result.stdout.split("Left alone")[0]
    assert "runs as a formula" in result.stdout and "B2" in result.stdout
    rows = read_csv(path)
    assert rows[1][1] == DDE  # no apostrophe added, no blank stripped: exactly as it was
    assert rows[2][1] == "Beta"  # the rest is still cleaned
    assert path.read_bytes() != before


def test_the_dry_run_shows_the_same_refusal(tmp_path):
    path = write_csv(tmp_path / "deals.csv", [HEADERS, ["D-1", DDE, "Ann", "Lead", "", ""]])
    result = run_cli(["clean", "whitespace", path], 0, stdout="No changes")
    assert "runs as a formula" in result.stdout


def test_in_an_xlsx_the_cleaned_text_is_written_as_text(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [["D-1", DDE, "Ann", "Lead", None, None]],
                       headers=HEADERS)
    run_cli(["clean", "whitespace", path, "--apply"], 0)
    cell = openpyxl.load_workbook(path)["Deals"]["B2"]
    assert cell.value == DDE.strip() and cell.data_type == "s"


TEXT = st.text(alphabet=[" ", "\u00a0", "\u200b", "=", "+", "-", "@", "\t", "\r", "a", "1",
                         "/", "\n"], max_size=6)
ROW = st.tuples(st.one_of(st.none(), st.just("D-1"), TEXT), TEXT, TEXT,
                st.one_of(st.sampled_from([" lead ", "=Lead", "-Won", "Proposl", "@Lost"]), TEXT),
                st.one_of(st.just("2026-13-01"), st.just(" 3 Mar 2026"), TEXT), TEXT)


def _live_csv(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=4))
def test_no_cleaner_creates_a_formula_in_any_output(rows):
    rows = [["D-0", "Anchor", "Ann", "Lead", "", ""], *[list(r) for r in rows]]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = Config()
        source = write_csv(folder / "deals.csv", [HEADERS, *[[c or "" for c in r] for r in rows]])
        before = read_csv(source)
        sheetsales.clean(source, ["all"], config, apply=True)
        after = read_csv(source)
        for r, cells in enumerate(after):
            for c, value in enumerate(cells):
                if _live_csv(value):
                    old = before[r][c] if r < len(before) and c < len(before[r]) else ""
                    assert value == old, (r, c, old, value)
        book = write_deals(folder / "deals.xlsx", [[c or None for c in r] for r in rows],
                           headers=HEADERS)
        sheetsales.clean(book, ["all"], config, apply=True)
        for line in openpyxl.load_workbook(book)["Deals"].iter_rows():
            assert not [cell.coordinate for cell in line if cell.data_type == "f"]
