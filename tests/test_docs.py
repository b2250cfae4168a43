"""The documentation stays honest: every rule and command is documented."""

import re
from pathlib import Path

import pytest

from sheetsales.cli import cli
from sheetsales.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_documented(rule):
    assert f"### {rule.code} " in RULES_DOC
    row = re.search(rf"^\| {rule.code} \| (\w+) \| (.+) \|$", RULES_DOC, re.M)
    assert row and row[1] == rule.severity and row[2] == rule.description
    assert re.search(rf"^\| {rule.code} \| {rule.severity} \|", README, re.M)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_documented(name):
    assert f"### sheetsales {name}" in README
    assert cli.commands[name].help


def test_quick_start_commands():
    assert "sheetsales demo" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ".venv/bin/python -m pytest -q"
    assert test_command in README and test_command in ci


def test_api_examples_run(tmp_path, monkeypatch):
    """docs/api.md's examples are a doctest, run in an empty folder."""
    import doctest

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETSALES_CONFIG", raising=False)
    failed, attempted = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                                         optionflags=doctest.ELLIPSIS, verbose=False)
    assert attempted > 10 and failed == 0


def test_every_public_name_is_documented():
    import sheetsales

    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    functions = [n for n in sheetsales.__all__ if n[0].islower()]
    assert [n for n in functions if f"`{n}(" not in api] == []
    assert "## Use it from Python" in README and "docs/api.md" in README


def test_readme_offline_google_path_runs(tmp_path):
    """The README's two lines that try Google Sheets offline work as written from an empty
    folder (a free port instead of 8765, so parallel runs never collide)."""
    import os
    import shlex
    import subprocess
    import sys

    block = README.split("To try the whole path without a Google account")[1]
    first, second = block.split("```sh\n")[1].split("\n```")[0].splitlines()
    demo, emulator = first.rstrip(" &").split(" && ")

    def argv(line):
        words = shlex.split(line)
        if words[0] == "sheetsales":
            return [sys.executable, "-m", "sheetsales", *words[1:]]
        assert words[0] == "python"
        return [sys.executable, *words[1:]]

    subprocess.run(argv(demo), cwd=tmp_path, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(argv(emulator.replace("--port 8765", "--port 0")), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), server.stderr.read()
        variable, command = second.split(" ", 1)
        name, _ = variable.split("=")
        env = {**os.environ, name: url}
        result = subprocess.run(argv(command), cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert "created the Reminders sheet" in result.stdout and "verified" in result.stdout
        assert (tmp_path / "key.json").exists()
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_init_next_hint_works_from_where_it_says(tmp_path, monkeypatch):
    """`init DIR` says to run check from DIR, where the config it wrote is found."""
    from helpers import run_cli

    monkeypatch.chdir(tmp_path)
    hint = run_cli(["init", "new folder"], 0).stdout.splitlines()[-1]
    assert hint.endswith('run: cd "new folder" && sheetsales check deals.xlsx'), hint
    monkeypatch.chdir(tmp_path / "new folder")
    run_cli(["check", "deals.xlsx"], 0)
