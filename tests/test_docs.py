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
