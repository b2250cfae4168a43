"""`run` says what happened in numbers: counted once (RunResult.numbers, returned by the
public `sheetsales.run`), logged by the scheduler and rendered by the CLI."""

import datetime as dt

import sheetsales
from helpers import BROKEN, CLEAN, OVERDUE, run_cli, write_deals

D = dt.date
TODAY = D(2026, 11, 27)
DUE_TODAY = ["D-5", "Echo", "Ana", "Won", 800, D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 3),
             D(2026, 10, 4), TODAY, None]
DUE_FRIDAY = ["D-6", "Fox", "Bo", "Won", 900, D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 3),
              D(2026, 10, 4), D(2026, 12, 2), None]


def workbook(tmp_path):
    return write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE, BROKEN, DUE_TODAY, DUE_FRIDAY])


def test_a_run_counts_what_it_found_and_wrote(tmp_path):
    result = sheetsales.run(workbook(tmp_path), today=TODAY)
    n = result.numbers
    assert (n.deals, n.overdue, n.due_today, n.invalid) == (5, 1, 1, 1)
    # due this week: today and later within 7 days, the overdue one not again
    assert n.due_this_week == 3  # D-5 today, D-6 on the 2nd, D-1's next step on the 2nd
    assert n.written and n.cells == len(result.plan.changes) > 0
    assert n.reminders == len(result.plan.reminders) - 1 > 0
    assert n.emails is None  # nothing configured to deliver by
    assert n.as_dict()["overdue"] == 1


def test_a_second_run_writes_nothing_and_says_so_in_numbers(tmp_path):
    path = workbook(tmp_path)
    sheetsales.run(path, today=TODAY)
    n = sheetsales.run(path, today=TODAY).numbers
    assert (n.written, n.cells, n.reminders, n.overdue) == (False, 0, None, 1)


def test_a_dry_run_counts_the_cells_it_would_write(tmp_path):
    result = sheetsales.run(workbook(tmp_path), today=TODAY, dry_run=True)
    assert not result.numbers.written and result.numbers.cells == len(result.plan.changes)


def test_the_cli_says_the_numbers_in_two_lines(tmp_path):
    out = run_cli(["run", workbook(tmp_path), "--today", TODAY], 0).stdout.splitlines()
    assert out[1] == ("Deals: 1 overdue, 1 due today, 3 due this week, 1 invalid (to fix), "
                      "0 stale forecasts, 0 idle.")
    assert out[2].startswith("Wrote ") and len(out) == 3


def test_the_run_summary_logged_by_the_scheduler_has_the_numbers(tmp_path):
    result = sheetsales.run(workbook(tmp_path), today=TODAY)
    line = result.summary()
    assert "5 deals, " in line and "1 overdue, 1 due today" in line
    assert f"wrote {result.numbers.cells} cells" in line


def test_schedule_once_says_each_sources_numbers(tmp_path):
    workbook(tmp_path)
    config = tmp_path / "sheetsales.toml"
    config.write_text('[schedule]\nsources = ["deals.xlsx"]\n', encoding="utf-8")
    out = run_cli(["schedule", "--once", "--config", config, "--today", TODAY], 0).stdout
    assert ": ok; 5 deals: 1 overdue, 1 due today, 3 due this week, 1 invalid (to fix), " \
        "0 stale forecasts, 0 idle; " in out and out.strip().endswith(" cells written")
    outcome = sheetsales.schedule(sheetsales.load_config(config), once=True, today=TODAY)[0]
    assert outcome.numbers.overdue == 1 and not outcome.numbers.written  # nothing new
