import json
import os
import subprocess
import sys

import pytest

from sheetsales.cli import cli

from helpers import BROKEN, CLEAN, HOSTILE, OVERDUE, run_cli, write_deals

TODAY = ["--today", "2026-11-27"]


@pytest.fixture
def clean(tmp_path):
    return write_deals(tmp_path / "clean.xlsx", [CLEAN])


@pytest.fixture
def mixed(tmp_path):
    return write_deals(tmp_path / "mixed.xlsx", [CLEAN, OVERDUE, BROKEN])


def test_clean_sheet_exits_0(clean):
    run_cli(["check", clean, *TODAY], 0, stdout="1 deal")


def test_errors_exit_1(mixed):
    result = run_cli(["check", mixed, *TODAY], 1, stdout="Row 4: D-3")
    assert "STG001  Deals!D4: stage 'Proposl' is not a known stage" in result.stdout
    assert 'Did you mean "Proposal"?' in result.stdout


@pytest.mark.parametrize("fail_on,code", [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on_threshold(tmp_path, fail_on, code):
    path = write_deals(tmp_path / "w.xlsx", [CLEAN, OVERDUE])
    run_cli(["check", path, *TODAY, "--fail-on", fail_on], code)


def test_info_only_passes_at_warning(tmp_path):
    due_soon = list(OVERDUE)
    due_soon[9] = due_soon[9].replace(day=29)
    path = write_deals(tmp_path / "i.xlsx", [due_soon])
    run_cli(["check", path, *TODAY, "--fail-on", "warning"], 0, stdout="DUE002")
    run_cli(["check", path, *TODAY, "--fail-on", "info"], 1)


def test_json_shape(mixed):
    result = run_cli(["check", mixed, *TODAY, "--format", "json"], 1)
    data = json.loads(result.stdout)
    assert data["summary"]["deals"] == 3 and data["summary"]["header_row"] == 1
    assert data["summary"]["by_code"]["DUE001"] == 1
    first = data["findings"][0]
    assert set(first) >= {"code", "severity", "sheet", "row", "column", "cell", "deal_id",
                          "value", "message", "hint"}


def test_csv_has_bom_and_escapes_formulas(tmp_path):
    path = write_deals(tmp_path / "h.xlsx", [HOSTILE])
    result = run_cli(["check", path, *TODAY, "--format", "csv", "--fail-on", "never"], 0)
    assert result.stdout.startswith("\ufeffcode,severity,")
    assert "'=HYPERLINK" in result.stdout
    assert ",=HYPERLINK" not in result.stdout and ',"=HYPERLINK' not in result.stdout


def test_check_never_writes(mixed):
    before = (mixed.read_bytes(), os.stat(mixed).st_mtime_ns)
    run_cli(["check", mixed, *TODAY], 1)
    assert (mixed.read_bytes(), os.stat(mixed).st_mtime_ns) == before


@pytest.mark.parametrize("args,message", [
    (["check", "missing.xlsx"], "Error: missing.xlsx not found"),
    (["check", "{tmp}"], "is a folder"),
    (["check", "{tmp}/x.xlsx", "--sheet", "Nope"], "has no sheet named 'Nope'"),
    (["check", "{tmp}/x.xlsx", "--config", "{tmp}/none.toml"], "config file"),
    (["check", "{tmp}/x.xlsx", "--today", "tomorrow"], "is not a date; use YYYY-MM-DD"),
])
def test_usage_and_source_errors_exit_2(tmp_path, args, message):
    write_deals(tmp_path / "x.xlsx", [CLEAN])
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    run_cli(args, 2, stderr=message)


def test_bad_config_key_exit_2(tmp_path, monkeypatch):
    write_deals(tmp_path / "x.xlsx", [CLEAN])
    (tmp_path / "sheetsales.toml").write_text("[rules]\ndue_son_days = 2\n")
    monkeypatch.chdir(tmp_path)
    run_cli(["check", "x.xlsx"], 2, stderr="did you mean 'due_soon_days'?")


def test_debug_shows_traceback(tmp_path):
    result = run_cli(["check", tmp_path / "missing.xlsx", "--debug"], 2)
    assert "Traceback" in result.stderr


def test_date_order_flag(tmp_path):
    row = list(CLEAN)
    row[5] = "03/11/2026"
    path = write_deals(tmp_path / "d.xlsx", [row])
    run_cli(["check", path, *TODAY, "--fail-on", "warning"], 1, stdout="DAT004")
    run_cli(["check", path, *TODAY, "--fail-on", "warning", "--date-order", "dmy"], 0)


def test_env_config(tmp_path):
    path = write_deals(tmp_path / "x.xlsx", [OVERDUE])
    run_cli(["check", path, *TODAY, "--fail-on", "warning"], 0,
            env={"SHEETSALES_RULES_DISABLED": "DUE001,IDL001"})
    run_cli(["check", path, *TODAY, "--fail-on", "warning"], 1)


def test_every_command_has_help():
    for name, command in cli.commands.items():
        assert command.help, name
        run_cli([name, "--help"], 0, stdout="Usage:")


# What a command on a workbook never needs: the Google client, openpyxl (the writer is ours),
# the holidays of no configured country, mail, the scheduler, SQLite for a check; and for a
# check, which writes nothing, our own writers, backups and CSV reader.
NOT_FOR_CHECK = ("gspread", "google", "googleapiclient", "openpyxl", "xlsxwriter", "holidays",
                 "smtplib", "email", "schedule", "sqlite3", "sheetsales.sources.xlsx.writer",
                 "sheetsales.sources.xlsx.target", "sheetsales.sources.csv",
                 "sheetsales.sources.backups")
# ... and for the table it prints, the JSON and CSV renderings' modules
NOT_FOR_TABLE = ("json", "csv")
PROBE = """
import sys
from sheetsales.cli import main
sys.argv = ["sheetsales", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
wanted = set(%r)
print(sorted({m for m in sys.modules if m in wanted} | ({m.split(".")[0] for m in sys.modules}
                                                       & wanted)), file=sys.stderr)
"""


# What `run` without mail settings never needs: the Google client, openpyxl, mail and TLS,
# the HTML report, and statistics (fractions) for one median.
NOT_FOR_RUN = ("gspread", "google", "googleapiclient", "openpyxl", "xlsxwriter", "holidays",
               "smtplib", "email", "ssl", "schedule", "html", "sheetsales.plan.summary_html",
               "statistics", "fractions")


def loaded_by(*args, modules=NOT_FOR_CHECK, cwd=None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE % (modules,), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)
    return eval(done.stderr.strip().splitlines()[-1])


def test_a_command_pays_only_for_what_it_uses(tmp_path):
    """Start-up is most of what a user with a few hundred deals waits for (issue 18)."""
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE, BROKEN])
    assert loaded_by("--help") == []
    assert loaded_by("--version", modules=("json", "traceback", "sheetsales.understand",
                                           "sheetsales.rules", "sheetsales.cleanup.runner")) == []
    assert loaded_by("check", path, *TODAY, modules=NOT_FOR_CHECK + NOT_FOR_TABLE) == []
    assert loaded_by("check", path, *TODAY, "--format", "json") == []
    assert loaded_by("run", path, *TODAY, "--dry-run", modules=NOT_FOR_RUN, cwd=tmp_path) == []
    assert loaded_by("run", path, *TODAY, modules=NOT_FOR_RUN, cwd=tmp_path) == []
    assert (tmp_path / ".sheetsales" / "history.sqlite").is_file()  # the run did run


def test_init_writes_new_files_then_refuses(tmp_path):
    target = tmp_path / "pipeline"
    run_cli(["init", target], 0, stdout="Wrote")
    assert (target / "sheetsales.toml").is_file() and (target / "deals.xlsx").is_file()
    run_cli(["check", target / "deals.xlsx", "--config", target / "sheetsales.toml"], 0)
    before = (target / "sheetsales.toml").read_bytes()
    run_cli(["init", target], 2, stderr="already exists")
    assert (target / "sheetsales.toml").read_bytes() == before


def test_demo_runs_end_to_end(tmp_path):
    result = run_cli(["demo", tmp_path / "demo", *TODAY], 0, stdout="the Reminders sheet lists")
    assert "64 deals checked" in result.stdout and "DUE001" in result.stdout
    assert "Wrote " in result.stdout
    run_cli(["demo", tmp_path / "demo", *TODAY], 0)  # re-made, not refused


def test_source_from_config(tmp_path, monkeypatch):
    write_deals(tmp_path / "x.xlsx", [CLEAN])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sheetsales.toml").write_text('[source]\npath = "../x.xlsx"\n')
    monkeypatch.chdir(tmp_path / "sub")
    run_cli(["check", *TODAY], 0, stdout="1 deal checked")
    monkeypatch.chdir(tmp_path)
    run_cli(["check"], 2, stderr="no SOURCE given")


def test_progress_on_a_terminal_only(tmp_path):
    """Progress goes to stderr when it is a terminal; piped, stderr stays empty."""
    import pty
    import subprocess
    import sys

    rows = [[f"D-{i}", "Acme", "Ana", "Lead"] for i in range(2500)]
    path = write_deals(tmp_path / "big.xlsx", rows, headers=["Deal ID", "Company", "Owner", "Stage"])
    command = [sys.executable, "-m", "sheetsales", "check", str(path), "--fail-on", "never",
               "--today", "2026-11-27"]
    piped = subprocess.run(command, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == ""
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=secondary, text=True)
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    assert done.returncode == 0
    assert b"Reading rows: 2000" in seen
    assert "Reading rows" not in done.stdout


def test_output_cut_short_by_its_reader_is_no_error(tmp_path):
    """`sheetsales clean all deals.xlsx | head`: the pipe closes under a long report; the command
    stops quietly, with no "Error:" line about a broken pipe (a bug found by trying it)."""
    rows = [[f"D-{i}", f" Co  {i} ", "Ana", "Proposl", "$1,000"] + [None] * 6 for i in range(3000)]
    path = write_deals(tmp_path / "deals.xlsx", rows)
    child = subprocess.Popen([sys.executable, "-m", "sheetsales", "clean", "all", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline()
    child.stdout.close()  # as `head -1` does once it has its line
    with child.stderr:
        stderr = child.stderr.read().decode()
    child.wait(timeout=60)
    assert "Error" not in stderr and "Traceback" not in stderr, stderr
    assert child.returncode == 1
