"""`sheetsales init --from SOURCE [DIRECTORY]`: learn a sheetsales.toml from the user's own
sheet, then `check --config` runs with no further editing."""

import datetime as dt
import tomllib
from collections import Counter

import pytest

import sheetsales
import understand_sheets as sheets
from helpers import run_cli

TODAY = ["--today", "2026-11-27"]


def learned_config(tmp_path, rows, *extra):
    source = sheets.write_csv(tmp_path / "export.csv", rows)
    result = run_cli(["init", "--from", source, tmp_path / "cfg", "--yes", *extra], 0,
                     stdout="Wrote ")
    return source, tmp_path / "cfg" / "sheetsales.toml", result


def check_codes(source, config) -> Counter:
    import json

    from click.testing import CliRunner
    from sheetsales.cli import cli
    result = CliRunner().invoke(cli, ["check", str(source), "--config", str(config),
                                      "--format", "json", *TODAY])
    assert result.exit_code in (0, 1), result.output
    return Counter(json.loads(result.stdout)["summary"]["by_code"])


def test_init_from_then_check_needs_no_editing(tmp_path):
    rows = sheets.crm_export(stages=("Prospecting", "Proposing", "Proposl", "Closed Won",
                                     "Pitching"))
    source, config, result = learned_config(tmp_path, rows)
    assert "stage 'Proposl'" in result.stdout and "Next: sheetsales check" in result.stdout
    assert not (tmp_path / "cfg" / "deals.xlsx").exists()  # no starter workbook in this mode
    written = tomllib.loads(config.read_text(encoding="utf-8"))
    assert written["columns"]["deal_id"] == "Row ID"  # the unique column, proposed
    assert written["rules"]["date_order"] == "DMY"
    assert written["probability"]["words"] == {"Low": 20, "Medium": 50, "High": 80}
    aliases = {s["label"]: s["aliases"] for s in written["stages"]}
    assert {"Proposing", "Proposl"} <= set(aliases["Proposal"])  # the typo, accepted by --yes
    assert "# \"Pitching\": " in config.read_text(encoding="utf-8")  # no proposal: left out
    found = check_codes(source, config)
    pitching = sum(r[4] == "Pitching" for r in rows[1:])
    assert found["STG001"] == pitching  # only the value the file does not map
    assert not {"DAT004", "VAL001", "IDS002"} & set(found)


@pytest.mark.parametrize("language", sorted(sheets.LANGUAGES))
def test_init_from_a_sheet_in_another_language(tmp_path, language):
    source, config, _ = learned_config(tmp_path, sheets.language_sheet(language))
    written = tomllib.loads(config.read_text(encoding="utf-8"))
    assert written["source"]["header_row"] == 3 and written["rules"]["date_order"] == "DMY"
    assert not {"STG001", "DAT004", "VAL001"} & set(check_codes(source, config))


def test_init_from_refuses_to_overwrite_unless_forced(tmp_path):
    source, config, _ = learned_config(tmp_path, sheets.numbered_sheet())
    before = config.read_bytes()
    run_cli(["init", "--from", source, tmp_path / "cfg", "--yes"], 2, stderr="already exists")
    assert config.read_bytes() == before
    run_cli(["init", "--from", source, tmp_path / "cfg", "--yes", "--force"], 0)


def test_numbered_stages_are_proposed_after_the_step_before_them(tmp_path):
    source, config, _ = learned_config(tmp_path, sheets.numbered_sheet())
    aliases = {s["label"]: s["aliases"] for s in
               tomllib.loads(config.read_text(encoding="utf-8"))["stages"]}
    assert {"4 - Closed Won", "5 - Kickoff", "6 - Handover"} <= set(aliases["Won"])
    assert "STG001" not in check_codes(source, config)


def test_off_a_terminal_without_yes_the_proposals_are_taken_and_said(tmp_path):
    source = sheets.write_csv(tmp_path / "export.csv", sheets.numbered_sheet())
    run_cli(["init", "--from", source, tmp_path], 0, stdout="Not a terminal: the 2 proposals")


def test_on_a_terminal_each_uncertain_choice_is_asked(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from sheetsales import cli as cli_module
    monkeypatch.setattr(cli_module, "_on_terminal", lambda: True)
    source = sheets.write_csv(tmp_path / "export.csv", sheets.numbered_sheet())
    result = CliRunner().invoke(cli_module.cli, ["init", "--from", str(source), str(tmp_path)],
                                input="delivered\nnone\n")
    assert result.exit_code == 0, result.output
    assert "Stage '5 - Kickoff' (10 rows) (numbered 5, after step 4 (Won))" in result.output
    text = (tmp_path / "sheetsales.toml").read_text(encoding="utf-8")
    aliases = {s["label"]: s["aliases"] for s in tomllib.loads(text)["stages"]}
    assert "5 - Kickoff" in aliases["Delivered"] and "6 - Handover" not in str(aliases)


def test_a_column_mixing_orders_records_no_order(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Created"],
            ["D1", "A", "Ana", "Lead", "20/10/2026"], ["D2", "B", "Ana", "Lead", "10/20/2026"]]
    source, config, _ = learned_config(tmp_path, rows)
    text = config.read_text(encoding="utf-8")
    assert "date_order =" not in text and "# date_order: none (column created mixed" in text
    assert check_codes(source, config)["DAT004"] == 1


@pytest.mark.parametrize("rows", [[], [["Sales pipeline 2026"], ["Prepared by Ana"]]])
def test_init_from_an_empty_sheet_or_titles_writes_nothing(tmp_path, rows):
    source = sheets.write_csv(tmp_path / "export.csv", rows)
    result = run_cli(["init", "--from", source, tmp_path / "cfg", "--yes"], 2,
                     stderr="no header row found")
    assert result.stderr.startswith("Error: no header row found")
    assert not (tmp_path / "cfg").exists()


@pytest.mark.parametrize("edit,message", [
    (('date_order = "DMY"', 'date_order = "DYM"'), "rules.date_order must be one of DMY"),
    (('"Low" = 20', '"Low" = 200'), "probability.words must be a table of word = percent"),
    (("[columns]", "[colums]"), "unknown section [colums]; did you mean 'columns'?"),
    (('label = "Proposal"', 'label = "Proposal"\nlabel = "x"'), "not valid TOML"),
])
def test_a_learned_config_edited_badly_is_one_sentence_exit_2(tmp_path, edit, message):
    source, config, _ = learned_config(tmp_path, sheets.crm_export())
    config.write_text(config.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    result = run_cli(["check", source, "--config", config, *TODAY], 2, stderr=message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_learn_and_init_from_python(tmp_path):
    source = sheets.write_csv(tmp_path / "export.csv", sheets.numbered_sheet())
    learned = sheetsales.learn(source, today=dt.date(2026, 11, 27))
    assert [q.key for q in learned.questions] == ["stage:5 - Kickoff", "stage:6 - Handover"]
    learned.answers["stage:6 - Handover"] = "Delivered"
    [path] = sheetsales.init(tmp_path, learn_from=learned)
    aliases = {s["label"]: s["aliases"] for s in
               tomllib.loads(path.read_text(encoding="utf-8"))["stages"]}
    assert "6 - Handover" in aliases["Delivered"] and "5 - Kickoff" in aliases["Won"]


def test_a_10k_row_export(tmp_path):
    rows = sheets.crm_export(rows=10_000, stages=("Prospecting", "Proposing", "Closed Won",
                                                  "Project Execution", "Closeout"))
    source, config, _ = learned_config(tmp_path, rows)
    found = check_codes(source, config)
    assert not {"STG001", "DAT004", "VAL001", "IDS002"} & set(found)


def test_a_weak_header_is_one_finding_until_init_from_maps_it(tmp_path):
    rows = [["Deal ID", "Company", "Owner code", "Stage", "Deal value (EUR)"],
            ["D1", "Acme", "A7", "Lead", 100], ["D2", "Beta", "B2", "Lead", 200]]
    source = sheets.write_csv(tmp_path / "export.csv", rows)
    report = sheetsales.check(source, today=dt.date(2026, 11, 27))
    hdr = [(f.cell, f.value) for f in report.findings if f.code == "HDR001"]
    assert hdr == [("export!C1", "Owner code"), ("export!E1", "Deal value (EUR)")]
    run_cli(["check", source, *TODAY], 1, stdout="only by some of its words")
    _, config, _ = learned_config(tmp_path, rows)
    assert 'owner = "Owner code"' in config.read_text(encoding="utf-8")
    assert "HDR001" not in check_codes(source, config)


def test_a_config_learned_from_a_csv_fits_the_next_export(tmp_path):
    source, config, _ = learned_config(tmp_path, sheets.crm_export())
    assert "sheet =" not in config.read_text(encoding="utf-8")
    later = sheets.write_csv(tmp_path / "export-next-month.csv", sheets.crm_export(seed=9))
    assert "STG001" not in check_codes(later, config)
