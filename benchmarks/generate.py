"""Realistic deals workbooks for benchmarks: a title row, the default columns, real date cells,
text amounts and dates here and there, a Products sheet. Deterministic for a seed."""

import argparse
import datetime as dt
import random
from pathlib import Path

import xlsxwriter

HEADERS = ["Deal ID", "Company", "Contact", "Email", "Owner", "Product", "Stage", "Amount",
           "Probability", "Created", "First contact", "Discovery on", "Proposal sent",
           "Confirmed on", "Delivery due", "Delivered on", "Follow-up due", "Followed up on",
           "Next step", "Next step due", "Last contact", "Lost on", "Lost reason",
           "Snooze until", "Notes"]
STAGES = ["Lead", "Contacted", "Discovery", "Proposal", "Won", "Delivered", "Followed up", "Lost"]
DATE_COLUMNS = {"First contact": 1, "Discovery on": 2, "Proposal sent": 3, "Confirmed on": 4,
                "Delivered on": 5, "Followed up on": 6}
OWNERS = ["Ana", "Ben", "Chloé", "Dev", "Eve", "Femi"]
PRODUCTS = [("Starter plan", 490, 5), ("Team plan", 1900, 10), ("Onboarding", 1200, 14),
            ("Hardware kit", 3400, 21)]


def deal_row(index: int, rng: random.Random, today: dt.date) -> list:
    stage_index = rng.choices(range(len(STAGES)), weights=[14, 14, 12, 12, 10, 10, 18, 10])[0]
    stage = STAGES[stage_index]
    created = today - dt.timedelta(days=rng.randint(20, 400))
    row = {h: None for h in HEADERS}
    row.update({
        "Deal ID": f"D-{index:06d}", "Company": f"Company {rng.randint(1, index + 10)} Ltd",
        "Contact": f"Contact {index}", "Email": f"contact{index}@example.com",
        "Owner": rng.choice(OWNERS), "Product": rng.choice(PRODUCTS)[0], "Stage": stage,
        "Amount": rng.choice([rng.randint(200, 90000), f"${rng.randint(200, 90000):,}.00"]),
        "Probability": rng.choice([10, 25, 50, 75, 90]), "Created": created,
        "Notes": rng.choice([None, "Called twice", "Wants a discount", "Referral from Ana"]),
    })
    step = 6 if stage == "Followed up" else stage_index if stage != "Lost" else rng.randint(1, 3)
    day = created
    for header, order in DATE_COLUMNS.items():
        if order <= step:
            day += dt.timedelta(days=rng.randint(1, 15))
            row[header] = min(day, today) if rng.random() > 0.05 else min(day, today).isoformat()
    if stage in ("Won", "Delivered", "Followed up"):
        row["Delivery due"] = row["Confirmed on"] and (
            (row["Confirmed on"] if isinstance(row["Confirmed on"], dt.date)
             else dt.date.fromisoformat(row["Confirmed on"])) + dt.timedelta(days=14))
    if stage in ("Lead", "Contacted", "Discovery", "Proposal"):
        row["Next step"] = "Call back"
        row["Next step due"] = today + dt.timedelta(days=rng.randint(-10, 20))
        row["Last contact"] = today - dt.timedelta(days=rng.randint(0, 30))
    if stage == "Lost":
        row["Lost on"], row["Lost reason"] = today - dt.timedelta(days=3), "Price"
    return [row[h] for h in HEADERS]


def generate(path: Path, rows: int, seed: int = 1, today: dt.date | None = None,
             shared_strings: bool = False) -> Path:
    """Write a deals workbook of `rows` deals with xlsxwriter: its text inline in the sheet,
    written in constant memory, or with `shared_strings` in xl/sharedStrings.xml as Excel
    saves it (xlsxwriter then holds the whole workbook until it is saved)."""
    today = today or dt.date(2026, 11, 27)
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": not shared_strings})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Deals")
    sheet.write(0, 0, "Sales pipeline")
    sheet.write_row(2, 0, HEADERS)
    for index in range(rows):
        for col, value in enumerate(deal_row(index + 1, rng, today)):
            if isinstance(value, dt.date):
                sheet.write_datetime(index + 3, col, dt.datetime.combine(value, dt.time()),
                                     date_format)
            elif value is not None:
                sheet.write(index + 3, col, value)
    products = book.add_worksheet("Products")
    products.write_row(0, 0, ["Product", "Price", "Lead time days"])
    for index, product in enumerate(PRODUCTS, 1):
        products.write_row(index, 0, product)
    book.close()
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--shared-strings", action="store_true",
                        help="keep text in xl/sharedStrings.xml, as Excel does")
    args = parser.parse_args()
    generate(args.path, args.rows, shared_strings=args.shared_strings)
