"""Shared test helpers: one way to run the CLI and check exit code, stdout and stderr."""

import datetime as dt
import sqlite3

import openpyxl
from click.testing import CliRunner

from sheetsales.cli import cli
from sheetsales.nightly import history_schema


def run_cli(args, exit_code, stdout=None, stderr=None, env=None):
    """Run `sheetsales ARGS`; assert the exit code, and that stdout/stderr contain (str) or
    equal (callable returning bool) what is given. No traceback may reach stderr."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    if stdout is not None:
        assert stdout in result.stdout, result.stdout
    if stderr is not None:
        assert stderr in result.stderr, result.stderr
    if "--debug" not in args:
        assert "Traceback" not in result.stderr
    return result


HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "First contact", "Discovery on",
           "Proposal sent", "Confirmed on", "Delivery due", "Next step due"]


def write_deals(path, rows, headers=HEADERS, title="Deals"):
    """A small real .xlsx deals workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text that looks like a formula, not a formula
    book.save(path)
    return path


CLEAN = ["D-1", "Acme", "Ana", "Proposal", 1000, dt.date(2026, 11, 1), dt.date(2026, 11, 10),
         dt.date(2026, 11, 20), None, None, dt.date(2026, 12, 2)]
OVERDUE = ["D-2", "Beta", "Bo", "Won", 500, dt.date(2026, 10, 1), dt.date(2026, 10, 2),
           dt.date(2026, 10, 3), dt.date(2026, 10, 4), dt.date(2026, 11, 24), None]
BROKEN = ["D-3", "Gamma", None, "Proposl", "abc", None, None, None, None,
          None, None]
HOSTILE = ["D-4", "Delta", "Di", "=HYPERLINK(\"http://evil\")", None, None, None, None, None,
           None, None]


def history_at(path, version: int) -> sqlite3.Connection:
    """A history database as sheetsales `version` left it (schema migrations 1..version),
    open for the test to fill."""
    db = sqlite3.connect(path, isolation_level=None)
    history_schema.apply(db, history_schema.MIGRATIONS[:version])
    db.execute(f"PRAGMA user_version = {version}")
    return db
