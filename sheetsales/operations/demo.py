"""The demo workbook `sheetsales demo` runs on: about sixty deals of a small coffee-equipment
business, four salespeople, a Products sheet, and a dozen or so deals that break each rule
(all but STG004, which needs run history).

Dates are relative to the `today` passed in, so the same findings come out whatever day the
demo is made; a fixed seed makes the workbook identical for a given `today`."""

import datetime as dt
import random
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from .starter import add_products_sheet, format_deals_sheet, refuse_existing, save_new, \
    write_deal_row

SEED = 20260304
HEADER_ROW = 3  # a title and a blank row above the header, as real sheets have

OWNERS = ("Ana", "Ben", "Chloé", "Dev")
PRODUCTS = (  # name, price, lead time days
    ("Espresso Pro 2", 4800, 14), ("Bean-to-Cup 500", 3200, 10), ("Cold Brew Tap", 2100, 21),
    ("Office Starter Kit", 950, 5), ("Maintenance plan (1 year)", 600, 2),
    ("Barista training day", 750, 7),
)
COMPANIES = (
    "Harbour Lane Dental", "Kestrel Architects", "Northgate Fitness", "Bluebell Nurseries",
    "Oakridge Accountants", "Pemberton & Shaw LLP", "Riverside Print Co", "Saltmarsh Studios",
    "Thistle Veterinary", "Upland Outdoor Gear", "Vantage Logistics", "Willowby Estates",
    "Alder & Finch Legal", "Brightwater Hotels", "Copperfield Motors", "Driftwood Yoga",
    "Elmstead Primary School", "Foxglove Florists", "Granite Peak Software", "Hazelwood Clinic",
    "Ironbridge Engineering", "Juniper Co-working", "Kingfisher Travel", "Larkspur Bakery",
    "Meadowbank Care Home", "Nettlefold Insurance", "Orchard Street Gallery", "Pinecrest Golf Club",
    "Quayside Marine", "Rowan Tree Nursery", "Sable Recruitment", "Tidewell Pharmacy",
    "Umber Interiors", "Vale Street Barbers", "Westbrook Library", "Yarrow Physiotherapy",
    "Ashgrove Solicitors", "Beacon Hill Radio", "Cobalt Creative", "Dunmore Chartered Surveyors",
    "Evergreen Garden Centre", "Fairhaven Opticians", "Goldcrest Wealth", "Hollybush Pub Co",
    "Inkwell Publishing", "Jasper Lane Cinema", "Keystone Property", "Lindqvist Design",
    "Mistral Wind Energy", "Novak Family Dentistry", "Ostara Wellness", "Paloma Tapas Bar",
    "Quinta Imports", "Redfern Auto Body", "Silverline Couriers", "Trevino Translations",
    "Unity Credit Union", "Verity Market Research", "Whitlock Tutors", "Zephyr Cycles",
    "Moreau Boulangerie", "Okafor & Daniels", "Brennan Robotics", "Castellano Wines",
)
FIRST = ("Maya", "Oliver", "Priya", "Tom", "Sofia", "James", "Leila", "Marcus", "Hannah",
         "Kenji", "Grace", "Luis", "Amara", "Felix", "Zoë", "Noah", "Ingrid", "Samir", "Ruth",
         "Mateo", "Elif", "Owen", "Clara", "Tariq", "Beatriz", "Declan")
LAST = ("Patel", "Nguyen", "Hughes", "Okoye", "Fischer", "Moreno", "Walsh", "Kowalski", "Reid",
        "Tanaka", "Bianchi", "O'Brien", "Haddad", "Larsen", "Silva", "Mensah", "Dubois",
        "Chen", "Murphy", "Novak")
NEXT_STEPS = {
    "lead": ("Intro call", "Send brochure", "Call to book a tasting"),
    "contacted": ("Needs call", "Site visit", "Ask about team size and usage"),
    "discovery": ("Send proposal", "Price up two options", "Demo at their office"),
    "proposal": ("Chase decision", "Call about the quote", "Meet the finance director"),
}
LOST_REASONS = ("Price", "Went with a competitor", "No budget this year", "No response",
                "Project cancelled")
PROBABILITY = {"lead": 10, "contacted": 20, "discovery": 40, "proposal": 60}
STEPS = ("created", "first_contact", "discovery_on", "proposal_sent", "confirmed_on",
         "delivered_on", "followed_up_on")
STAGE_STEP = {"lead": 0, "contacted": 1, "discovery": 2, "proposal": 3, "won": 4,
              "delivered": 5, "followed_up": 6}
LABELS = {"lead": "Lead", "contacted": "Contacted", "discovery": "Discovery",
          "proposal": "Proposal", "won": "Won", "delivered": "Delivered",
          "followed_up": "Followed up", "lost": "Lost"}
AGES = {"lead": (0, 5), "delivered": (0, 3), "followed_up": (15, 120)}  # days in the stage
HEALTHY = (("lead", 4), ("contacted", 5), ("discovery", 5), ("proposal", 6), ("won", 4),
           ("delivered", 4), ("followed_up", 7), ("lost", 5))
# A few healthy deals spell their stage the way real sheets do; sheetsales accepts these.
ALIASES = {("proposal", 1): "Negotiation", ("won", 2): "Closed Won",
           ("followed_up", 3): "7 - Follow-up done", ("discovery", 4): "Qualified"}


def _days(t, n):
    return t + dt.timedelta(days=n)


def _workday(day: dt.date) -> dt.date:
    """A planned date moved off the weekend to the following Monday."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _deal(rng, t, stage, age=None) -> dict:
    """A healthy deal at `stage` whose stage date is `age` days before today `t`."""
    product = rng.choice(PRODUCTS)
    deal = {"stage": LABELS[stage], "product": product[0],
            "amount": product[1] * rng.choice((1, 1, 2, 3, 4))}
    if stage == "lost":
        reached = rng.choice(("contacted", "discovery", "proposal"))
        # the deal as it stood when it went quiet, some weeks back; lost a few days later
        deal.update(_deal(rng, _days(t, -rng.randint(12, 80)), reached, rng.randint(1, 9)))
        last = max(deal[k] for k in STEPS if deal.get(k))
        deal.update(stage="Lost", probability=0, lost_reason=rng.choice(LOST_REASONS),
                    next_step=None, next_step_due=None)
        deal["lost_on"] = deal["last_contact"] = _days(last, rng.randint(2, 10))
        return deal
    step = STAGE_STEP[stage]
    if age is None:
        # A delivered deal is at most 3 days old so its follow-up (7 days on) is not due soon.
        low, high = AGES.get(stage, (1, 10))
        age = rng.randint(low, high)
    day = _days(t, -age)
    for key in reversed(STEPS[:step + 1]):
        deal[key] = day
        day = _days(day, -rng.randint(1, 9))
    stage_date = deal[STEPS[step]]
    deal["last_contact"] = _days(stage_date, rng.randint(0, min(age, 4)))
    if stage in PROBABILITY:
        deal["probability"] = PROBABILITY[stage]
        deal["next_step"] = rng.choice(NEXT_STEPS[stage])
        deal["next_step_due"] = _workday(_days(t, rng.randint(1, 7)))
        if stage in ("lead", "contacted"):
            deal["amount"] = None
        return deal
    deal["probability"] = 100
    if stage == "won":
        deal["delivery_due"] = _workday(_days(t, rng.randint(5, 20)))
        deal["next_step"], deal["next_step_due"] = "Book delivery slot", _workday(_days(t, 1))
    else:
        deal["delivery_due"] = _days(deal["delivered_on"], rng.randint(0, 3))
    if stage == "followed_up":
        deal["follow_up_due"] = _days(deal["delivered_on"], 7)
    return deal


def _ambiguous_before(day: dt.date) -> str:
    """The latest date before `day` written so that day and month could swap (03/04/2026)."""
    day = _days(day, -1)
    while day.day > 12 or day.day == day.month:
        day = _days(day, -1)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _problems(rng, t) -> list[dict]:
    """Deals that each break one rule on purpose (the code is beside each)."""
    def make(at, age, note, **changes):
        deal = _deal(rng, t, at, age)
        deal.update(changes, notes=note or None)
        return deal

    typed_date = make("contacted", 6, "Created date typed by hand")
    typed_date["created"] = _ambiguous_before(typed_date["first_contact"])
    original = make("discovery", 4, "Entered twice")
    duplicate = dict(original, last_contact=t, notes="Entered twice (second copy)",
                     duplicate_of=original)
    retyped_from = make("contacted", 5, "")
    retyped = dict(retyped_from, notes="Entered again by someone else", duplicate_of=retyped_from,
                   new_id=True)
    return [
        make("proposal", 4, "Stage typed by hand", stage="Proposl"),  # STG001
        make("won", 3, "Won straight after discovery?", proposal_sent=None,  # STG002
             delivery_due=_days(t, 12)),
        make("discovery", 8, "Quote already sent", proposal_sent=_days(t, -2),  # STG003
             last_contact=_days(t, -2)),
        make("contacted", 5, "", last_contact="last Tuesday"),  # DAT001
        make("won", 5, "Dates mixed up", proposal_sent=_days(t, -2)),  # DAT002
        make("delivered", 0, "Delivery booked, not done", delivered_on=_days(t, 5),  # DAT003
             delivery_due=_days(t, 5), last_contact=t),
        typed_date,  # DAT004
        make("contacted", 3, "Who owns this?", owner=None),  # REQ001
        make("proposal", 5, "Waiting for their budget", amount="TBC",  # VAL001 twice
             probability=150),
        make("lead", 2, "Met at the trade fair", deal_id=None),  # IDS001
        original, duplicate,  # IDS002 on both rows
        retyped_from, retyped,  # IDS003 on the second: same company, contact and product
        make("proposal", 6, "Wants the new model", product="Espresso Pro 3"),  # PRD001
        make("won", 20, "Supplier delay", delivery_due=_days(t, -4)),  # DUE001
        make("won", 8, "", delivery_due=_days(t, 2)),  # DUE002
        # DUE002, due today: Delivery due is empty, so Confirmed on + the 10-day lead time
        make("won", 10, "", product="Bean-to-Cup 500", delivery_due=None),
        make("delivered", 12, "", follow_up_due=None),  # DUE003: 7 days after delivery
        make("delivered", 6, "", follow_up_due=None),  # DUE004
        make("proposal", 9, "", next_step="Send revised quote",  # DUE005
             next_step_due=_days(t, -4)),
        make("discovery", 3, "", next_step=None, next_step_due=None),  # DUE006
        make("proposal", 30, "Gone quiet", last_contact=_days(t, -22),  # IDL001
             next_step_due=_days(t, 2)),
        # Overdue, but snoozed: no reminders, status "Snoozed until ..."
        make("won", 25, "Customer closed for refurbishment until next week",
             delivery_due=_days(t, -6), snooze_until=_days(t, 5)),
    ]


def demo_deals(today: dt.date) -> list[dict]:
    """The demo deals (field key -> value) in sheet order; the same list for the same day."""
    rng = random.Random(SEED)
    deals = []
    for stage, count in HEALTHY:
        for index in range(count):
            deal = _deal(rng, today, stage)
            deal["stage"] = ALIASES.get((stage, index), deal["stage"])
            deals.append(deal)
    deals[20]["amount"] = f"${deals[20]['amount']:,.2f}"  # a money amount typed as text
    deals += _problems(rng, today)
    for number, deal in enumerate(deals):
        deal.setdefault("owner", OWNERS[number % len(OWNERS)])
    deals.sort(key=lambda d: (_sort_date(d, today), d.get("notes") or ""))
    people = [(f, s) for f in FIRST for s in LAST]
    rng.shuffle(people)
    originals = [d for d in deals if "duplicate_of" not in d]
    for number, (deal, company) in enumerate(zip(originals, COMPANIES), 1):
        first, last = people[number]
        domain = _ascii(company.split()[0].replace("&", "")) + ".example"
        deal.update(company=company, contact=f"{first} {last}",
                    email=f"{_ascii(first)}.{_ascii(last)}@{domain}")
        if "deal_id" not in deal:
            deal["deal_id"] = f"D-{1000 + number}"
    fresh = 1000 + len(originals)
    for deal in deals:
        if "duplicate_of" in deal:
            source = deal.pop("duplicate_of")
            deal.update({k: source[k] for k in ("deal_id", "company", "contact", "email")})
            if deal.pop("new_id", False):
                fresh += 1
                deal["deal_id"] = f"D-{fresh}"
    return deals


def _sort_date(deal, today):
    created = deal.get("created")
    return created if isinstance(created, dt.date) else deal.get("first_contact") or today


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def write_demo_workbook(path: Path, today: dt.date) -> Path:
    """Write the demo pipeline workbook at `path` (which must not exist), dated relative to
    `today`: a Deals sheet under a title row and a Products sheet. Returns the path."""
    path = Path(path)
    refuse_existing(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "Deals"
    title = sheet.cell(1, 1, "Brightside Coffee Systems: sales pipeline")
    title.font = Font(bold=True, size=14)
    sheet.cell(1, 4, f"Demo data as of {today.isoformat()}").font = Font(italic=True)
    format_deals_sheet(sheet, HEADER_ROW)
    for row, deal in enumerate(demo_deals(today), HEADER_ROW + 1):
        write_deal_row(sheet, row, deal)
    add_products_sheet(book, PRODUCTS)
    return save_new(book, path)
