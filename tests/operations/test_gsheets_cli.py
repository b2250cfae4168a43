"""The commands on a Google Sheet, end to end through the emulator over HTTP."""


import pytest

from helpers import run_cli

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
ROWS = [["D-1", "Acme", "Ana", "Proposl", 1200, "2026-11-20", "", ""],
        ["'0042", "'=HYPERLINK(\"x\")", "Bo", "Won", 500, "2026-10-03", "2026-10-04",
         "2026-11-24"]]
TODAY = ["--today", "2026-11-27"]


@pytest.fixture
def sheet(emu, google):
    """The history database goes in the test's folder, where `google` stands."""
    sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                     "values": [HEADER, *ROWS]}]})
    return emu, f"gsheet:{sid}", {"SHEETSALES_GOOGLE_API": emu.url}, \
        google["SHEETSALES_CREDENTIALS"]


def cells(emu, source):
    dump = emu.dump(source.split(":")[1], "FORMULA")
    return next(s["values"] for s in dump["sheets"] if s["title"] == "Deals")


def test_check_run_rerun_and_undo(sheet):
    emu, source, env, key = sheet
    result = run_cli(["check", source, "--credentials", key, *TODAY], 1, env=env)
    assert "STG001" in result.stdout and "Deals!D2" in result.stdout
    run_cli(["run", source, "--credentials", key, *TODAY], 0, stdout="Wrote", env=env)
    rows = cells(emu, source)
    assert rows[2][0] == "0042" and rows[2][1] == '=HYPERLINK("x")' and rows[2][8] == "Overdue"
    emu.clear_requests()
    run_cli(["run", source, "--credentials", key, *TODAY], 0, stdout="Nothing to change",
            env=env)
    assert all(r["method"] == "GET" or "search" in r["path"] for r in emu.requests()
               if r["path"] != "/token")
    run_cli(["undo", source, "--credentials", key], 0, env=env)
    assert all(len(r) <= 8 or not any(r[8:]) for r in cells(emu, source))


def test_clean_apply_on_a_google_sheet(sheet):
    emu, source, env, key = sheet
    run_cli(["clean", "stages", source, "--credentials", key], 1, stdout='"Proposl" -> "Proposal"',
            env=env)
    run_cli(["clean", "stages", source, "--credentials", key, "--apply"], 0, env=env)
    assert cells(emu, source)[1][3] == "Proposal"
    run_cli(["undo", source, "--credentials", key], 0, env=env)
    assert cells(emu, source)[1][3] == "Proposl"


def test_no_credentials_is_one_clear_sentence(sheet):
    _, source, env, _ = sheet
    result = run_cli(["check", source], 2, env={**env, "SHEETSALES_CREDENTIALS": None,
                                                "GOOGLE_APPLICATION_CREDENTIALS": None})
    assert "SHEETSALES_CREDENTIALS" in result.stderr and len(result.stderr.splitlines()) == 1


def test_init_from_a_google_sheet(sheet, tmp_path):
    emu, source, env, key = sheet
    run_cli(["init", "--from", source, tmp_path / "cfg", "--yes", "--credentials", key], 0,
            stdout="Wrote", env=env)
    config = tmp_path / "cfg" / "sheetsales.toml"
    text = config.read_text(encoding="utf-8")
    assert f'path = "{source}"' in text and '"Proposl",  # 1 rows, accepted' in text
    result = run_cli(["check", source, "--config", config, "--credentials", key, *TODAY], 0,
                     env=env)  # Proposl was its only error
    assert "STG001" not in result.stdout and "DUE001" in result.stdout
