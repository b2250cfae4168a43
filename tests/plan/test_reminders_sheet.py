"""The Reminders sheet as people work from it (plan/reminders.py): statuses that say what to
do, Fix items for invalid deals, one row per deal and action, Notes and Done that survive."""

import datetime as dt

from sheetsales.core.config import Config
from sheetsales.core.owned import MAX_LINKS, REMINDER_HEADERS
from sheetsales.operations.run import run_target
from sheetsales.plan.reminders import item_key, kept_notes
from test_run import HEADER, TODAY, D, target

NOTES, DONE = REMINDER_HEADERS.index("Notes"), REMINDER_HEADERS.index("Done")
ROWS = [
    ["D-1", "Acme", "Ana", "Proposal", 1200, D(2026, 11, 20), None, None, None],
    ["D-2", "Beta", "Bo", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 24), None],
    ["D-3", "Gamma", "Ana", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), D(2026, 11, 28), None],
    ["D-4", "Delta", "Bo", "Proposl", 700, D(2026, 11, 20), None, None, None],  # STG001
    ["D-5", "Eps", "Ana", "Proposal", 900, "03/04/2026", None, None, None],  # DAT004 warning
]


def statuses(t):
    return {r[0]: r[9] for r in t.grid._sheets["Deals"][1:]}


def test_a_deal_with_only_warnings_is_check_not_ok():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    got = statuses(t)
    assert got["D-5"] == "Check" and got["D-1"] == "OK" and got["D-4"] == "Invalid"


def test_an_invalid_deal_is_a_fix_item_for_its_owner_first():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    reminders = t.grid._sheets["Reminders"]
    bo = [r for r in reminders[1:] if r[0] == "Bo"]
    assert bo[0][1] == "D-4" and bo[0][3].startswith("Fix: ") and "Proposl" in bo[0][3]
    assert bo[0][6] == "Invalid" and bo[0][4] is None
    assert bo[1][1] == "D-2"  # errors before overdue items


def test_one_row_per_deal_and_action():
    rows = [["D-9", "Zeta", "Cy", "Proposal", 100, D(2026, 10, 1), None, None, None]]
    header = HEADER[:-1] + ["Next step due"]
    rows[0][-1] = D(2026, 11, 20)  # next step overdue and idle: both "Confirm the sale"
    t = target(rows, header)
    run_target(t, Config(), TODAY)
    items = t.grid._sheets["Reminders"][1:]
    assert len(items) == 1, items
    assert "overdue" in items[0][3] and "idle" in items[0][3]


def test_notes_and_done_survive_rewrites_while_the_item_stays():
    t = target([list(r) for r in ROWS])
    run_target(t, Config(), TODAY)
    sheet = t.grid._sheets["Reminders"]
    row = next(r for r in sheet if r[1] == "D-2")
    row += [None] * (len(REMINDER_HEADERS) - len(row))
    row[NOTES], row[DONE] = "called, parts on the way", "x"
    later = run_target(t, Config(), TODAY + dt.timedelta(days=2))  # the day counts change
    assert later.plan.reminders is not None
    again = next(r for r in t.grid._sheets["Reminders"] if r[1] == "D-2")
    assert "5 days overdue" in again[3]
    assert again[NOTES] == "called, parts on the way" and again[DONE] == "x"


def test_kept_notes_are_keyed_by_deal_and_action_head():
    rows = [list(REMINDER_HEADERS), ["Ana", "D-1", "Acme", "Deliver (due 2026-12-01): 3 days",
                                     dt.datetime(2026, 12, 1), 3, "Overdue", 4, "note", None]]
    assert kept_notes(rows) == {("D-1", "Deliver (due 2026-12-01)", "2026-12-01"): ("note", None)}
    assert item_key(None, 7, "Fix: x") == ("row 7", "Fix", "")


def test_past_the_link_cap_the_first_row_says_how_many_were_left_out():
    rows = [[f"D-{i}", "Co", "Ana", "Proposl", 1, None, None, None, None]
            for i in range(MAX_LINKS + 5)]
    t = target(rows)
    plan = run_target(t, Config(), TODAY, dry_run=True).plan
    assert plan.reminders[0][0].startswith("5 more reminders were left out")
    assert plan.reminders[1] == list(REMINDER_HEADERS) and len(plan.reminders) == MAX_LINKS + 2


def test_an_invalid_deal_reaches_its_owners_digest_as_a_fix_item():
    from sheetsales.nightly.digests import FIX, build_digests
    from sheetsales.nightly.mail import render_text
    from sheetsales.operations.check import check
    t = target([list(r) for r in ROWS])
    digests = build_digests(check(t.grid, Config(), TODAY), Config())
    bo = next(d for d in digests if d.owner == "Bo")
    fix = [i for i in bo.items if i.kind == FIX]
    assert [i.deal_id for i in fix] == ["D-4"] and fix[0].action.startswith("Fix: ")
    assert bo.items[-1].kind == FIX  # after what is due
    assert "TO FIX IN THE SHEET (1)" in render_text(bo)


def test_a_ticked_done_leaves_the_item_out_of_digests_until_its_due_date_changes():
    from sheetsales.nightly.digests import build_digests
    t = target([list(r) for r in ROWS])
    plan = run_target(t, Config(), TODAY).plan
    assert plan.done == frozenset()
    sheet = t.grid._sheets["Reminders"]
    for row in sheet[1:]:
        row += [None] * (len(REMINDER_HEADERS) - len(row))
        if row[1] in ("D-2", "D-4"):
            row[DONE] = "x"
    plan = run_target(t, Config(), TODAY, dry_run=True).plan
    assert plan.done == {(3, "due"), (5, "fix")}
    digests = build_digests(plan.report, Config(), done=plan.done)
    assert [i.deal_id for d in digests for i in d.items if d.owner == "Bo"] == []
    deals = t.grid._sheets["Deals"]
    deals[2][7] = D(2026, 11, 25)  # D-2's delivery due moves: a new item, Done no longer holds
    plan = run_target(t, Config(), TODAY, dry_run=True).plan
    assert (3, "due") not in plan.done and (5, "fix") in plan.done


def test_ticked_reads_what_people_type():
    from sheetsales.plan.reminders import ticked
    assert all(ticked(v) for v in ("x", "X", "yes", "done", True, 1, "✓"))
    assert not any(ticked(v) for v in (None, "", " ", "no", "FALSE", False, 0, "-"))
