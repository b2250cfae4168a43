"""Consoles that cannot print every character (issue 17): a Windows console or redirect in
cp1252, a log in ASCII. Every command, on a sheet of Cyrillic, Polish and Japanese names in a
folder with spaces and accents, prints what it can and never fails with UnicodeEncodeError;
output to a file or pipe in a narrow code page comes out whole, in UTF-8."""

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest

from helpers import OVERDUE, write_deals

TODAY = ["--today", "2026-11-27"]
DRIVER = textwrap.dedent("""
    import json, sys
    import click
    from sheetsales.cli import cli
    for number, args in enumerate(json.loads(sys.argv[1])):
        try:
            cli.main(args, prog_name="sheetsales", standalone_mode=False)
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"\\n=== {number} exit {code}", flush=True)
        print(f"=== {number} exit {code}", file=sys.stderr, flush=True)
""")


@pytest.fixture
def sheet(tmp_path):
    folder = tmp_path / "Ventes été 2026"
    folder.mkdir()
    rows = [["Д-1", "ООО Ромашка", "田中 太郎", "Пропосал", 1000, dt.date(2026, 11, 1),
             None, None, None, None, None],
            [" D-2 ", "Łódź Sp. z o.o.", "Łukasz", *OVERDUE[3:]]]
    book = write_deals(folder / "営業 パイプライン.xlsx", rows)
    config = folder / "sheetsales.toml"
    config.write_text(f'[schedule]\nsources = ["{book.name}"]\n', encoding="utf-8")
    return book


def run_all(commands, env):
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(commands)],
                          capture_output=True, env=env, timeout=300)
    return done.stdout, done.stderr


def sections(output: bytes, encoding: str) -> dict[int, tuple[int, str]]:
    """{command number: (exit code, its output)} from the driver's markers."""
    found, start = {}, 0
    text = output.decode(encoding, errors="strict")
    for line in text.splitlines(keepends=True):
        if line.startswith("=== "):
            _, number, _, code = line.split()
            found[int(number)] = (int(code), text[start:text.index(line, start)])
            start = text.index(line, start) + len(line)
    return found


def test_every_command_prints_on_a_cp1252_console(sheet):
    folder = sheet.parent
    config = str(folder / "sheetsales.toml")
    commands = {
        ("--version",): 0, ("--help",): 0,
        ("check", sheet): 1, ("check", sheet, "--format", "json"): 1,
        ("check", sheet, "--format", "csv"): 1,
        ("run", sheet, "--dry-run", *TODAY): 1, ("run", sheet, *TODAY): 0,
        ("remind", sheet, "--print", *TODAY): 0, ("clean", "all", sheet): 1,
        ("clean", "whitespace", sheet, "--apply"): 0, ("undo", sheet): 0,
        ("history", sheet): 0, ("init", folder / "Nouveau dossier"): 0,
        ("demo", folder / "démo 営業", *TODAY): 0,
        ("schedule", "--once", "--config", config, *TODAY): 0,
        ("schedule", "--install", "--print", "--scheduler", "systemd", "--config", config): 0,
        ("check", folder / "Übersicht 売上.xlsx"): 2,
    }
    listed = [[str(word) for word in command] for command in commands]
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "HOME": str(folder)}
    stdout, stderr = run_all(listed, env)
    out, err = sections(stdout, "cp1252"), sections(stderr, "cp1252")
    for number, (command, expected) in enumerate(commands.items()):
        code, text = out[number]
        said = err[number][1]
        assert "UnicodeEncodeError" not in text + said, (command, said)
        assert "failed unexpectedly" not in said and "Traceback" not in said, (command, said)
        assert code == expected, (command, code, text, said)
    assert "Ventes été 2026/?? ??????.xlsx" in out[5][1]  # the name, shown as far as cp1252 can
    assert "Ł" not in out[7][1] and "?ukasz" in out[7][1]
    assert "Übersicht ??.xlsx" in err[16][1]  # what cp1252 has, it shows


def test_a_narrow_code_page_redirect_gets_whole_utf8(sheet):
    """No PYTHONIOENCODING, an ASCII locale (as a scheduled task's log file on a machine
    that is not set to UTF-8): what goes to the file is UTF-8, names and BOM intact."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONIOENCODING", "LANG", "LC_CTYPE")}
    env.update(LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    # an ASCII name: in this locale the file system speaks ASCII too (Windows' speaks UTF-16)
    plain = sheet.parent.parent / "deals.xlsx"
    sheet.rename(plain)
    stdout, stderr = run_all([["check", str(plain), "--format", "csv"],
                              ["remind", str(plain), "--print", *TODAY]], env)
    out = sections(stdout, "utf-8")
    assert out[0][0] == 1, stderr.decode("utf-8", "replace")
    assert out[0][1].startswith("\ufeffcode,severity")
    assert "ООО Ромашка" in out[0][1] or "Д-1" in out[0][1]
    assert "Łukasz" in out[1][1]
    assert stderr.decode("utf-8").count("=== ") == 2
