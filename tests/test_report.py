"""Golden renderings of one report as table, JSON and CSV.
Regenerate after an intended change with SHEETSALES_UPDATE_GOLDEN=1 and review the diff."""

import datetime as dt
import os
from pathlib import Path

import pytest

from sheetsales import check
from sheetsales.core.config import Config
from sheetsales.plan.render import render, safe_csv_text
from sheetsales.sources import MemoryGrid

GOLDEN = Path(__file__).parent / "golden"
D = dt.date
ROWS = [
    ["Pipeline export", None, None, None, None, None, None, None],
    ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on", "Delivery due"],
    ["D-1", "Acme", "Ana", "Proposal", 1200, D(2026, 11, 20), None, None],
    ["D-2", "Beta", "Bo", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 24)],
    [None] * 8,
    ["D-3", "=cmd|' /C calc'!A0", None, "Proposl", "abc", "03/04/2026", None, None],
    ["D-3", "Gamma", "Cy", "Lost", None, None, None, None],
]


def report():
    return check(MemoryGrid({"Deals": ROWS}, name="golden.xlsx"), Config(), D(2026, 11, 27))


@pytest.mark.parametrize("fmt,suffix", [("table", "txt"), ("json", "json"), ("csv", "csv")])
def test_golden(fmt, suffix):
    path = GOLDEN / f"report.{suffix}"
    text = render(report(), fmt)
    if os.environ.get("SHEETSALES_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("text,escaped", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (12, 12),
])
def test_csv_escaping(text, escaped):
    assert safe_csv_text(text) == escaped


def test_statuses_in_order():
    rep = report()
    statuses = {row: s.status for row, s in rep.statuses().items()}
    assert statuses == {3: "OK", 4: "Overdue", 6: "Invalid", 7: "Invalid"}
    won = rep.statuses()[4]
    assert won.next_action == "Deliver (due 2026-11-24)" and won.next_action_due == D(2026, 11, 24)
    assert won.flags == "DUE001 delivery 3 days overdue (due 2026-11-24)"
