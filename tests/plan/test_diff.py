"""The dry run of `run` for a person: one line per deal naming its Deal ID and row, kept to
about a screen; with everything asked for, every cell with its address and its deal."""

import datetime as dt

from sheetsales.core.config import Config
from sheetsales.operations.run import run_target
from sheetsales.plan.diff import render_run_diff
from sheetsales.plan.render import SCREEN
from sheetsales.sources import MemoryGrid
from sheetsales.sources.memory import MemoryTarget
from helpers import run_cli, write_deals

D = dt.date
TODAY = D(2026, 11, 27)
HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]


def plan_of(rows):
    target = MemoryTarget(MemoryGrid({"Deals": [list(HEADER), *rows]}, name="mem.xlsx"))
    return run_target(target, Config(), TODAY, dry_run=True).plan


def won(n, due=D(2026, 11, 24)):
    return [f"D-{n:04d}", f"Co {n}", "Ana", "Won", 500, D(2026, 10, 3), D(2026, 10, 4), due]


def test_one_line_per_deal_names_its_id_row_and_columns():
    lines = render_run_diff(plan_of([won(1), [None, "NoId", "Bo", "Proposal", 10,
                                               D(2026, 11, 20), None, None]])).splitlines()
    assert lines[0] == ('Deals row 1 (header): "Status" in column I, "Flags" in column J, '
                        '"Next action" in column K, "Next action due" in column L')
    assert lines[1] == ('D-0001 (Deals row 2): Status "" -> "Overdue", Flags "" -> "DUE001 '
                        'delivery 3 days overdue (due 2026-11-24)", Next action "" -> '
                        '"Deliver (due 2026-11-24)", Next action due "" -> 2026-11-24')
    assert lines[2].startswith('Deals row 3 (no Deal ID): Status "" -> "Invalid"')
    assert len(lines) == 3


def test_a_long_value_is_cut_visibly_in_the_line_per_deal():
    plan = plan_of([won(1)])
    plan.changes[5] = plan.changes[5]._replace(new="x" * 200)
    line = render_run_diff(plan).splitlines()[1]
    assert 'Flags "" -> "' + "x" * 57 + '…"' in line


def test_many_deals_keep_to_a_screen_and_say_how_many_more():
    plan = plan_of([won(n) for n in range(1, 201)])
    lines = render_run_diff(plan).splitlines()
    assert len(lines) <= SCREEN - 10
    shown = len(lines) - 2  # the header line and the closing line
    assert lines[-1] == (f"… and {200 - shown} more rows ({(200 - shown) * 4} cells): "
                         "--all lists every cell.")


def test_everything_lists_every_cell_with_its_address_deal_and_column():
    plan = plan_of([won(n) for n in range(1, 201)])
    lines = render_run_diff(plan, everything=True).splitlines()
    assert len(lines) == len(plan.changes) == 4 + 200 * 4
    assert 'Deals!I2 (D-0001, Status): "" -> "Overdue"' in lines
    assert 'Deals!L201 (D-0200, Next action due): "" -> 2026-11-24' in lines
    assert 'Deals!I1 (Status): "" -> "Status"' in lines


def test_a_row_no_longer_a_deal_is_named_so(tmp_path):
    target = MemoryTarget(MemoryGrid({"Deals": [list(HEADER), won(1), won(2)]}, name="m.xlsx"))
    run_target(target, Config(), TODAY)
    target.grid._sheets["Deals"][2][:8] = [None] * 8  # a person empties the deal's row
    plan = run_target(target, Config(), TODAY, dry_run=True).plan
    assert render_run_diff(plan).splitlines() == [
        'Deals row 3 (no longer a deal): Status "Overdue" -> "", Flags "DUE001 delivery 3 '
        'days overdue (due 2026-11-24)" -> "", Next action "Deliver (due 2026-11-24)" -> "", '
        'Next action due 2026-11-24 -> ""']


def test_the_cli_dry_run_groups_by_deal_and_all_lists_every_cell(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [won(n) for n in range(1, 101)], HEADER)
    short = run_cli(["run", path, "--dry-run", "--today", TODAY], 1).stdout
    assert 'D-0001 (Deals row 2): Status "" -> "Overdue"' in short
    assert "--all lists every cell" in short
    assert len(short.splitlines()) <= SCREEN
    everything = run_cli(["run", path, "--dry-run", "--all", "--today", TODAY], 1).stdout
    assert 'Deals!L101 (D-0100, Next action due): "" -> 2026-11-24' in everything
    assert "404 cells would change" in everything


def test_all_without_dry_run_is_a_usage_error_and_writes_nothing(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [won(1)], HEADER)
    before = path.read_bytes()
    run_cli(["run", path, "--all", "--today", TODAY], 2, stderr="add --dry-run")
    assert path.read_bytes() == before
