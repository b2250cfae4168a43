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
