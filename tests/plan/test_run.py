"""`run` planning and applying through an in-memory target: columns, idempotence, user
columns left alone, Reminders sheet ownership."""

import datetime as dt

import pytest

from sheetsales.core.config import Config, build_config
from sheetsales.core.errors import WriteConflict
from sheetsales.plan.diff import render_diff
from sheetsales.operations.run import run_target
from sheetsales.sources import MemoryGrid
from sheetsales.sources.memory import MemoryTarget

D = dt.date
TODAY = D(2026, 11, 27)
HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due", "Status"]


def target(rows, header=HEADER):
    return MemoryTarget(MemoryGrid({"Deals": [list(header), *rows]}, name="mem.xlsx"))


ROWS = [
    ["D-1", "Acme", "Ana", "Proposal", 1200, D(2026, 11, 20), None, None, "Active"],
    ["D-2", "Beta", "Bo", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 24), "At Risk"],
    ["D-3", "Gamma", "Ana", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 28), None],
]


def test_first_run_adds_columns_right_of_the_used_range_and_leaves_user_status_alone():
    t = target([list(r) for r in ROWS])
    result = run_target(t, Config(), TODAY)
    deals = t.grid._sheets["Deals"]
    assert deals[0][9:13] == ["Pipeline status", "Flags", "Next action", "Next action due"]
    assert [r[8] for r in deals[1:]] == ["Active", "At Risk", None]  # the user's Status column
    assert deals[2][9:13] == ["Overdue", "DUE001 delivery 3 days overdue (due 2026-11-24)",
                              "Deliver (due 2026-11-24)", D(2026, 11, 24)]
    assert deals[3][9] == "Due soon"
    assert any("its own \"Status\" column" in n for n in result.plan.notes)
    reminders = t.grid._sheets["Reminders"]
    assert reminders[0] == ["Owner", "Deal ID", "Company", "Action", "Due", "Days overdue",
                            "Status", "Row", "Notes", "Done"]
    assert [r[:2] for r in reminders[1:]] == [["Ana", "D-3"], ["Bo", "D-2"]]
    assert reminders[2][5] == 3 and reminders[2][7] == 3


def test_second_run_changes_nothing():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    again = run_target(t, Config(), TODAY)
    assert again.plan.empty and again.written is None and t.writes == 1


def test_next_day_updates_only_what_changed():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    later = run_target(t, Config(), TODAY + dt.timedelta(days=1))
    cells = {c.cell for c in later.plan.changes}
    assert cells == {"K3", "J4", "K4"}  # D-2 one more day overdue; D-3 now due today


def test_owned_columns_are_reused_after_a_person_moves_them():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    # a person inserts a column at A: every column moves right by one, the record follows
    for row in t.grid._sheets["Deals"]:
        row.insert(0, None)
    t.owned["Deals"] = {k: i + 1 for k, i in t.owned["Deals"].items()}
    again = run_target(t, Config(), TODAY)
    assert again.plan.empty


def test_dry_run_plans_but_does_not_write():
    t = target([list(r) for r in ROWS])
    result = run_target(t, Config(), TODAY, dry_run=True)
    assert t.writes == 0 and result.written is None
    diff = render_diff(result.plan.changes)
    assert 'Deals!J3: "" -> "Overdue"' in diff
    assert "Deals!M3: \"\" -> 2026-11-24" in diff


def test_rows_no_longer_deals_are_cleared():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    t.grid._sheets["Deals"][3][:9] = [None] * 9  # a person empties the D-3 row
    result = run_target(t, Config(), TODAY)
    assert {c.cell for c in result.plan.changes if c.new is None} >= {"J4", "L4"}
    assert all(v is None for v in t.grid._sheets["Deals"][3][9:13])


def test_a_users_reminders_sheet_is_refused():
    t = MemoryTarget(MemoryGrid({"Deals": [list(HEADER), *ROWS], "Reminders": [["my notes"]]}))
    with pytest.raises(WriteConflict, match="did not create"):
        run_target(t, Config(), TODAY)
    assert t.writes == 0


def test_configured_status_header():
    t = target([list(r) for r in ROWS])
    run_target(t, build_config({"columns": {"status": "Pipeline health"}}), TODAY)
    assert t.grid._sheets["Deals"][0][9] == "Pipeline health"
