"""Twin columns (issue 23): a sheet with two columns that both read as the Stage is refused
(which one is the truth cannot be proven) unless the config names one; init --from asks which;
the twins of other fields are read from the better-named column and said so."""

import tomllib

import pytest

from helpers import run_cli, write_deals
from sheetsales.core.config import Config, load_config
from sheetsales.core.errors import SourceError
from sheetsales.sources import MemoryGrid
from sheetsales.understand import locate_deals
from understand_sheets import write_csv

TODAY = ["--today", "2026-11-27"]


def grid(headers, rows):
    return MemoryGrid({"Deals": [headers, *rows]})


def test_two_stage_columns_are_refused_naming_both_and_the_fix():
    rows = [["D-1", "Acme", "Lead", "Proposal"], ["D-2", "Beta", "Won", "Won"]]
    with pytest.raises(SourceError) as refused:
        locate_deals(grid(["Deal ID", "Company", "Stage", "Deal Stage"], rows), Config())
    message = str(refused.value)
    assert "C 'Stage' and D 'Deal Stage'" in message
    assert '[columns] (stage = "Stage")' in message and "init --from" in message
    assert "\n" not in message


def test_a_column_named_by_words_is_a_twin_only_when_its_values_are_stages():
    headers = ["Deal ID", "Company", "Stage", "Stage (old)", "Stage duration"]
    rows = [["D-1", "Acme", "Proposal", "Lead", 12], ["D-2", "Beta", "Won", "Negotiating", 3]]
    with pytest.raises(SourceError, match=r"C 'Stage' and D 'Stage \(old\)'"):
        locate_deals(grid(headers, rows), Config())
    # the old stages gone: "Stage duration" holds numbers, and claims nothing
    kept = locate_deals(grid(headers, [[*r[:3], None, r[4]] for r in rows]), Config())
    reasons = {i.header: i.reason for i in kept.understanding.ignored}
    assert reasons["Stage duration"] == "its words name the Stage but its values are not stages"
    assert kept.columns["stage"] == 2


def test_the_configured_stage_column_wins_and_the_block_says_so(tmp_path):
    (tmp_path / "sheetsales.toml").write_text('[columns]\nstage = "Deal Stage"\n',
                                              encoding="utf-8")
    config = load_config(cwd=tmp_path, environ={})
    sheet = locate_deals(grid(["Deal ID", "Company", "Stage", "Deal Stage"],
                              [["D-1", "Acme", "Lead", "Proposal"]]), config)
    assert sheet.columns["stage"] == 3
    reasons = {i.header: i.reason for i in sheet.understanding.ignored}
    assert reasons == {"Stage": "also reads as Deal Stage; [columns] stage names column D "
                                "instead"}
    assert any('C "Stage"' in n and "[columns]" in n for n in sheet.understanding.notes)


def test_two_amount_columns_are_read_from_the_better_name_and_said():
    sheet = locate_deals(grid(["Deal ID", "Company", "Stage", "Amount", "Amount (EUR)"],
                              [["D-1", "Acme", "Lead", 100, 90]]), Config())
    assert sheet.columns["amount"] == 3
    assert {i.header: i.reason for i in sheet.understanding.ignored} == {
        "Amount (EUR)": "also reads as Amount; column D is used"}
    assert any('E "Amount (EUR)"' in n for n in sheet.understanding.notes)


def test_check_and_run_refuse_with_exit_2_and_write_nothing(tmp_path):
    headers = ["Deal ID", "Company", "Owner", "Stage", "Deal Stage", "Created"]
    book = tmp_path / "deals.xlsx"
    write_deals(book, [["D-1", "Acme", "Ann", "Lead", "Proposal", "2026-01-05"]], headers)
    before = book.read_bytes()
    for command in ("check", "run"):
        result = run_cli([command, book, *TODAY], 2, stderr="D 'Stage' and E 'Deal Stage'")
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert book.read_bytes() == before
    # no backup, no copy: only run's own lock and history folder beside the workbook
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sheetsales", "deals.xlsx"]
    assert not list((tmp_path / ".sheetsales").glob("*.xlsx"))


def test_init_from_asks_which_and_check_then_reads_it(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Pipeline Stage", "Created"],
            ["D-1", "Acme", "Ann", "Lead", "Proposal", "2026-11-20"],
            ["D-2", "Beta", "Bob", "Won", "Won", "2026-11-21"]]
    source = write_csv(tmp_path / "export.csv", rows)
    result = run_cli(["init", "--from", source, tmp_path / "cfg", "--yes"], 0, stdout="Wrote ")
    assert "'Pipeline Stage'" in result.stdout
    path = tmp_path / "cfg" / "sheetsales.toml"
    assert tomllib.loads(path.read_text(encoding="utf-8"))["columns"]["stage"] == "Stage"
    assert '"Pipeline Stage"' in path.read_text(encoding="utf-8")
    checked = run_cli(["check", source, "--config", path, *TODAY], 0)
    assert "Pipeline Stage" in checked.stdout  # the understood block names the twin left alone
