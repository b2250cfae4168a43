"""How often IDS003 is right: a generated pipeline of repeat customers with planted
duplicates, checked, and its likely-duplicate findings scored against what was planted.

    python benchmarks/dupes_precision.py --deals 10000 [--seed 1] [--no-contact] [--quick 0.15]
                                         [--same-product]

The pipeline, deterministic for a seed:
- companies with 1 deal (60%), 2-4 (25%), 5-15 (12%) or 16-60 (3%): repeat customers
  make most of the rows; each has 1 to 5 contacts, named from 40 first and 40 last names,
  so the same name turns up at several companies; e-mails are per company;
- six products with list prices, amounts a price times 1-3 (a fifth left empty);
- a company's next deal comes 30-200 days after its last, or with `quick` probability
  1-20 days after it: an add-on order, by any of its contacts, of a product the company has
  not bought in the last 20 days (with --same-product, of any product: a re-order of the
  same product within days, which the data cannot tell from a duplicate, so each one paired
  counts as false);
- 2% of deals are entered twice: a copy with a new Deal ID (a third: no ID), dated 0-7
  days later, company and contact retyped (case, spacing, a trailing dot), the e-mail kept
  or left empty, the amount the same, empty or revised, and another owner or stage now and
  then.
A false pair is a finding that joins two rows that were not planted as one deal."""

import argparse
import datetime as dt
import random

from sheetsales import Config, check
from sheetsales.sources import MemoryGrid

HEADERS = ["Deal ID", "Company", "Contact", "Email", "Owner", "Product", "Stage", "Amount",
           "Created"]
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Eve", "Femi", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea",
         "Max", "Nia", "Oli", "Pia", "Raj", "Sam", "Tea", "Uma", "Vic", "Wen", "Xia", "Yan",
         "Zoe", "Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gil", "Hal", "Ida", "Jan", "Kim", "Lou",
         "Mo", "Ned", "Ola"]
LAST = ["Smith", "Jones", "Brown", "Garcia", "Müller", "Rossi", "Silva", "Kim", "Nguyen",
        "Novak", "Dubois", "Costa", "Ivanova", "Sato", "Khan", "Cohen", "Okafor", "Larsen",
        "Lopez", "Meyer", "Weber", "Moreau", "Bianchi", "Santos", "Petrov", "Tanaka", "Ali",
        "Levi", "Adeyemi", "Berg", "Ruiz", "Fischer", "Laurent", "Greco", "Pereira", "Park",
        "Tran", "Horvat", "Lefebvre", "Eze"]
PRODUCTS = [("Starter plan", 490), ("Team plan", 1900), ("Onboarding", 1200),
            ("Hardware kit", 3400), ("Support year", 800), ("Training day", 950)]
OWNERS = ["Ana", "Ben", "Chloé", "Dev", "Eve", "Femi"]
STAGES = ["Lead", "Contacted", "Discovery", "Proposal", "Won", "Delivered", "Lost"]
START = dt.date(2025, 1, 1)
REORDER_DAYS = 20


def _deals_per_company(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.60:
        return 1
    if roll < 0.85:
        return rng.randint(2, 4)
    if roll < 0.97:
        return rng.randint(5, 15)
    return rng.randint(16, 60)


def _retyped(text: str, rng: random.Random) -> str:
    return rng.choice([text.upper(), text.lower(), f" {text} ", text.replace(" ", "  "),
                       text + ".", text])


def pipeline(deals: int, seed: int = 1, quick: float = 0.15, dupes: float = 0.02,
             contact: bool = True, same_product: bool = False
             ) -> tuple[list[list], set[tuple[int, int]]]:
    """The sheet's rows (header first) and the planted pairs as (row, row) sheet numbers."""
    rng = random.Random(seed)
    legit: list[dict] = []
    company_no = 0
    while len(legit) < deals:
        company_no += 1
        name = f"{rng.choice(LAST)} {rng.choice(['Ltd', 'GmbH', 'SARL', 'Inc', 'Srl'])} {company_no}"
        count = min(_deals_per_company(rng), deals - len(legit))
        people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                  for _ in range(1 if count <= 2 else rng.randint(1, min(5, count // 2 + 1)))]
        owner = rng.choice(OWNERS)
        day = START + dt.timedelta(days=rng.randint(0, 500))
        bought: list[tuple[dt.date, tuple]] = []  # (day, product) of the company's deals
        for _ in range(count):
            person = rng.choice(people)
            recent = set() if same_product else \
                {p for d, p in bought if (day - d).days <= REORDER_DAYS}
            product, price = rng.choice([p for p in PRODUCTS if p not in recent])
            bought.append((day, (product, price)))
            legit.append({
                "Company": name, "Contact": person, "Product": product,
                "Email": f"{person.split()[0].lower()}@{name.split()[0].lower()}{company_no}.com",
                "Owner": owner if rng.random() < 0.8 else rng.choice(OWNERS),
                "Stage": rng.choice(STAGES),
                "Amount": None if rng.random() < 0.2 else price * rng.choice([1, 1, 2, 3]),
                "Created": day})
            day += dt.timedelta(days=rng.randint(1, REORDER_DAYS) if rng.random() < quick
                                else rng.randint(30, 200))
    rng.shuffle(legit)
    rows, planted, number = [HEADERS if contact else [h for h in HEADERS
                                                      if h not in ("Contact", "Email")]], set(), 1
    for index, deal in enumerate(legit):
        number += 1
        deal["Deal ID"] = f"D-{index + 1:06d}"
        rows.append(_cells(deal, contact))
        if rng.random() < dupes:
            copy = dict(deal, Company=_retyped(deal["Company"], rng),
                        Contact=_retyped(deal["Contact"], rng),
                        Created=deal["Created"] + dt.timedelta(days=rng.randint(0, 7)))
            copy["Deal ID"] = None if rng.random() < 1 / 3 else f"N-{index + 1:06d}"
            copy["Email"] = deal["Email"] if rng.random() < 0.7 else None
            roll = rng.random()
            if deal["Amount"] and roll < 0.3:
                copy["Amount"] = None
            elif deal["Amount"] and roll < 0.4:
                copy["Amount"] = deal["Amount"] + 100
            if rng.random() < 0.3:
                copy["Owner"] = rng.choice(OWNERS)
            if rng.random() < 0.3:
                copy["Stage"] = rng.choice(STAGES)
            number += 1
            rows.append(_cells(copy, contact))
            planted.add((number - 1, number))
    return rows, planted


def _cells(deal: dict, contact: bool) -> list:
    return [deal[h] for h in HEADERS if contact or h not in ("Contact", "Email")]


def score(rows: list[list], planted: set[tuple[int, int]]) -> dict:
    """Check the rows; IDS003's findings scored against the planted pairs."""
    report = check(MemoryGrid({"Deals": rows}), Config(), dt.date(2026, 12, 1))
    deals = len(report.deals)
    first = report.context.similar_rows  # row -> Pair (before issue 23: the first row)
    found = {(getattr(first[f.row], "first", first[f.row]), f.row)
             for f in report.findings if f.code == "IDS003"}
    false = found - planted
    return {"deals": deals, "planted": len(planted), "found": len(found),
            "true": len(found & planted), "false": len(false),
            "false_per_1000": round(1000 * len(false) / deals, 2),
            "recall": round(len(found & planted) / max(1, len(planted)), 3),
            "examples": [report.context.similar_rows[row] for _, row in sorted(false)[:3]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", type=float, default=0.15,
                        help="share of repeat orders placed 1-20 days after the last")
    parser.add_argument("--no-contact", action="store_true",
                        help="a sheet without Contact and Email columns")
    parser.add_argument("--same-product", action="store_true",
                        help="quick re-orders may be of the product just bought")
    args = parser.parse_args()
    rows, planted = pipeline(args.deals, args.seed, args.quick, contact=not args.no_contact,
                             same_product=args.same_product)
    result = score(rows, planted)
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
