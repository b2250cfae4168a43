"""Generated pipeline sheets shaped like the ones people keep (never copied from anywhere):
a public pipeline template, a bare sheet, a HubSpot-style export and a 10k-row sheet with
repeated causes. Each returns rows (header first); `write_csv` saves them as a real file."""

import csv
import datetime as dt
import random
from pathlib import Path

D = dt.date
TODAY = D(2025, 12, 6)  # the day the template was tried: its forecasts all lie behind it

TEMPLATE_HEADERS = ["Lead ID", "Customer Name", "Sales Rep", "Stage", "Stage Change Date",
                    "Probability (%)", "Expected Close Date", "Deal Value", "Lead Source",
                    "Notes"]
TEMPLATE_STAGES = (["Lead"] * 30 + ["Contacted"] * 25 + ["Qualified"] * 22 +
                   ["Proposal Sent"] * 20 + ["Negotiation"] * 15 + ["Closed Won"] * 20 +
                   ["Closed Lost"] * 18)  # 150 deals, 112 open
REPS = ["Ana Silva", "Bo Jensen", "Cy Morgan", "Dee Patel"]


def template_rows(count: int = 150, seed: int = 26) -> list[list]:
    """The pipeline template: every open deal past its expected close date, no stage changed
    since 2025-06-13."""
    rng = random.Random(seed)
    rows = [list(TEMPLATE_HEADERS)]
    stages = (TEMPLATE_STAGES * (count // len(TEMPLATE_STAGES) + 1))[:count]
    for number, stage in enumerate(stages, 1):
        changed = D(2025, 6, 13) - dt.timedelta(days=rng.randrange(0, 200))
        close = D(2025, 9, 30) - dt.timedelta(days=rng.randrange(0, 120))
        rows.append([f"L-{number:04d}", f"Customer {number}", REPS[number % len(REPS)], stage,
                     changed.isoformat(), rng.choice([10, 25, 50, 75, 90]), close.isoformat(),
                     rng.randrange(1, 50) * 1000, rng.choice(["Web", "Referral", "Event"]),
                     ""])
    return rows


def bare_rows() -> list[list]:
    """Only ID, company, owner, stage and amount: nothing date-based can be checked."""
    rows = [["ID", "Company", "Owner", "Stage", "Amount"]]
    for number, stage in enumerate(["Lead", "Contacted", "Proposal", "Won", "Lost"] * 4, 1):
        rows.append([f"B-{number}", f"Firm {number}", REPS[number % 2], stage, 1000 * number])
    return rows


HUBSPOT_HEADERS = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Deal owner",
                   "Create Date", "hs_date_entered_appointmentscheduled",
                   "hs_date_entered_contractsent", "hs_date_entered_closedwon",
                   "hs_date_entered_closedlost", "Last Modified Date"]


def hubspot_rows() -> list[list]:
    """A HubSpot-style export: per-stage entry dates in hs_date_entered_<stage> columns."""
    def day(text):
        return text and D.fromisoformat(text).isoformat()
    deals = [  # stage, amount, close, created, appointment, contract, won, lost, modified
        ("contractsent", 5000, "2026-01-31", "2025-09-01", "2025-09-05", "2025-11-30", "", "",
         "2025-12-01"),  # fresh proposal: nothing due
        ("contractsent", 8000, "2025-10-15", "2025-08-01", "2025-08-03", "2025-09-01", "", "",
         "2025-12-05"),  # stale forecast and idle since 2025-09-01 (an edit is not progress)
        ("closedwon", 3000, "2025-11-01", "2025-07-01", "2025-07-02", "2025-08-01",
         "2025-10-30", "", "2025-10-30"),
        ("closedlost", 1000, "2025-08-01", "2025-05-01", "2025-05-02", "", "", "2025-07-20",
         "2025-07-20"),  # lost with a past close date: nothing to say
    ]
    rows = [list(HUBSPOT_HEADERS)]
    for number, (stage, amount, *dates) in enumerate(deals, 1):
        close, created, appointment, contract, won, lost, modified = dates
        rows.append([str(9000 + number), f"Deal {number}", stage, amount, day(close), "Ana",
                     day(created), day(appointment), day(contract), day(won), day(lost),
                     day(modified)])
    return rows


BIG_HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Expected close",
               "Stage since", "Last contact", "Next step due", "Probability"]


def big_rows(count: int = 10_000, seed: int = 14) -> list[list]:
    """A 10k-row sheet whose problems repeat: stale forecasts, idle deals, a stage label
    nobody configured, word probabilities, a few duplicated IDs and missing owners."""
    rng = random.Random(seed)
    rows = [list(BIG_HEADERS)]
    stages = ["Lead", "Contacted", "Discovery", "Proposal", "Pitched", "Won", "Lost"]  # one unknown
    for number in range(1, count + 1):
        stage = stages[number % len(stages)]
        close = TODAY + dt.timedelta(days=rng.randrange(-200, 120))
        since = TODAY - dt.timedelta(days=rng.randrange(0, 90))
        contact = TODAY - dt.timedelta(days=rng.randrange(0, 60))
        due = TODAY + dt.timedelta(days=rng.randrange(-20, 20))
        deal_id = f"X-{number if number % 500 else number - 1}"  # 20 duplicated IDs
        rows.append([deal_id, f"Company {number % 3000}",
                     "" if number % 997 == 0 else REPS[number % len(REPS)], stage,
                     rng.randrange(1, 100) * 100, close.isoformat(), since.isoformat(),
                     contact.isoformat(), due.isoformat(),
                     rng.choice(["Low", "Medium", "High"]) if number % 50 == 0 else 40])
    return rows


def write_csv(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


if __name__ == "__main__":  # write every fixture into a folder, for trying the CLI by hand
    import sys

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("template", template_rows()), ("bare", bare_rows()),
                       ("hubspot", hubspot_rows()), ("big", big_rows())):
        print(write_csv(folder / f"{name}.csv", rows))
