"""CSV damage is noticed (SPEC §10): an unbalanced quote, a row with more fields than the
header and a line split by another delimiter are CSV001 findings for `check` (exit 1), and a
writing command refuses to write from a damaged read (exit 2, naming the line)."""

import json

import pytest
from click.testing import CliRunner

from helpers import run_cli
from sheetsales.cli import cli

HEADER = "Deal ID,Company,Owner,Stage\n"
TODAY = ["--today", "2026-11-27"]


def write(tmp_path, body: str):
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + body, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("body, line, words", [
    ('D-1,"Acme,Ann,Lead\nD-2,Beta,Bo,Lead\n', 2, "quote opened here"),
    ('D-1,"Acme,Ann,Lead\nD-2,"Beta",Bo,Lead\nD-3,Gamma,Cy,Lead\n', 2, "quote opened here"),
    ("D-1,Acme,Ann,Lead\nD-2,Beta, Inc,Bo,Lead\n", 3, "5 fields where the header has 4"),
    ("D-1,Acme,Ann,Lead\nD-2;Beta;Bo;Lead\n", 3, "separated by ';'"),
], ids=["quote-to-end", "quote-swallows-a-row", "extra-field", "mixed-delimiter"])
def test_damage_is_a_finding_naming_the_line(tmp_path, body, line, words):
    path = write(tmp_path, body)
    result = run_cli(["check", path, "--format", "json", *TODAY], 1)
    found = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "CSV001"]
    assert len(found) == 1 and found[0]["severity"] == "error"
    assert found[0]["message"].startswith(f"line {line}") and words in found[0]["message"]


def test_the_table_report_says_it_too(tmp_path):
    path = write(tmp_path, 'D-1,"Acme,Ann,Lead\nD-2,Beta,Bo,Lead\n')
    run_cli(["check", path, *TODAY], 1, stdout="CSV001")


@pytest.mark.parametrize("body", [
    'D-1,"Acme\nWest",Ann,Lead\nD-2,Beta,Bo,Lead\n',  # a line break inside a quoted cell
    "D-1,Acme,Ann,Lead,,\nD-2,Beta,Bo,Lead\n",  # empty padding past the header
    'D-1,"Acme, Inc",Ann,Lead\n',  # a quoted delimiter
    "D-1,Acme,Ann,Lead\n\n,,,\n",  # blank lines
    '"\r1",Acme,Ann,Lead\r\n',  # a carriage return inside a quoted cell (found by hypothesis)
    '"\r1",Acme,Ann,"\r"\r\n',  # a line that closes one quoted cell and opens the next
    'D-1,"Acme,\nWest, North, South",Ann,Lead\n',  # a cell whose last line has commas
], ids=["multiline-cell", "padding", "quoted-comma", "blank-lines", "quoted-cr", "two-cr-cells",
        "commas-after-a-line-break"])
def test_sound_csv_has_no_damage(tmp_path, body):
    result = CliRunner().invoke(cli, ["check", str(write(tmp_path, body)), "--format", "json",
                                      *TODAY])
    assert result.exit_code in (0, 1), result.output
    assert not [f for f in json.loads(result.stdout)["findings"] if f["code"] == "CSV001"]


def test_a_clean_refuses_to_write_from_a_damaged_read(tmp_path):
    path = write(tmp_path, ' D-1 ,"Acme,Ann,Lead\nD-2,Beta,Bo,Lead\n')
    before = path.read_bytes()
    result = run_cli(["clean", "whitespace", path, "--apply"], 2,
                     stderr="deals.csv is damaged, so nothing was written: line 2")
    assert path.read_bytes() == before
    assert not (tmp_path / ".sheetsales" / "backups").exists() or \
        not list((tmp_path / ".sheetsales" / "backups").iterdir())
    assert "balance the quote" in result.stderr
