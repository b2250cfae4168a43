"""The starter files `sheetsales init` writes: a deals workbook laid out the way sheetsales
reads it best, and the commented sheetsales.toml from templates/ (installed as
sheetsales.templates).

The sheet-layout helpers here (header row, Stage dropdown, date formats, Products sheet) are
shared with demo.py so both workbooks look alike."""

import datetime as dt
from importlib.resources import files
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.errors import SheetsalesError
from ..core.fields import DATE, DEFAULT_FIELDS, NUMBER
from ..core.stages import DEFAULT_STAGES
from ..sources.base import HEADER_FILL

CONFIG_TEMPLATE = files("sheetsales.templates") / "sheetsales.toml"
WORKBOOK_TEMPLATE = files("sheetsales.templates") / "deals.xlsx"  # write_starter_workbook's

# Expected close (a forecast), Stage since and Last modified are what other sheets carry in
# place of the step dates the starter has, and Outcome what they keep apart from the stage:
# left out. So is Currency: a business in one currency needs none (a code with the amount,
# "EUR 2000", names it where needed).
DEAL_FIELDS = tuple(f for f in DEFAULT_FIELDS if f.key not in (
    "expected_close", "stage_since", "last_modified", "outcome", "currency"))
DEAL_HEADERS = tuple(f.header for f in DEAL_FIELDS)
PRODUCT_HEADERS = ("Product", "Price", "Lead time days")

DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
FORMATTED_ROWS = 1000  # the dropdown and cell formats reach this far down the sheet

_WIDTHS = {"deal_id": 10, "company": 26, "contact": 20, "email": 30, "owner": 12,
           "product": 22, "stage": 14, "amount": 12, "probability": 11, "next_step": 30,
           "lost_reason": 22, "notes": 40}
_DATE_WIDTH = 14
_HEADER_FILL = PatternFill("solid", fgColor=HEADER_FILL)

STARTER_PRODUCTS = (
    ("Standard package", 1200, 10),
    ("Premium package", 3500, 21),
    ("Support plan (1 year)", 600, 2),
)


def refuse_existing(path: Path) -> None:
    if path.exists():
        raise SheetsalesError(f"{path} already exists and sheetsales never overwrites it; "
                              "choose another path or move the file away first")


def save_new(book: Workbook, path: Path) -> Path:
    """Save `book` to a file that must not exist yet (created exclusively, so a file that
    appears meanwhile is not overwritten either); a failed save leaves no partial file."""
    refuse_existing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = path.open("xb")
    except FileExistsError:
        refuse_existing(path)
        raise
    try:
        with handle:
            book.save(handle)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def format_deals_sheet(sheet, header_row: int = 1, last_row: int = FORMATTED_ROWS) -> None:
    """Write the default headers on `header_row` and lay the sheet out for data entry:
    bold frozen header with a filter, column widths, a Stage dropdown and date/amount
    formats down to `last_row`."""
    first = header_row + 1
    for column, field in enumerate(DEAL_FIELDS, 1):
        cell = sheet.cell(header_row, column, field.header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        letter = get_column_letter(column)
        width = _DATE_WIDTH if field.kind == DATE else _WIDTHS.get(field.key, 14)
        sheet.column_dimensions[letter].width = width
        number_format = DATE_FORMAT if field.kind == DATE else \
            AMOUNT_FORMAT if field.key == "amount" else "0" if field.kind == NUMBER else None
        if number_format:
            for row in range(first, last_row + 1):
                sheet.cell(row, column).number_format = number_format
    sheet.freeze_panes = f"A{first}"
    last_letter = get_column_letter(len(DEAL_FIELDS))
    sheet.auto_filter.ref = f"A{header_row}:{last_letter}{header_row}"
    stage = get_column_letter(DEAL_HEADERS.index("Stage") + 1)
    labels = ",".join(s.label for s in DEFAULT_STAGES)
    # A warning, not a stop: aliases such as "Closed Won" are valid stages too.
    dropdown = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True,
                              showErrorMessage=True, errorStyle="warning",
                              errorTitle="Unknown stage",
                              error=f"sheetsales knows these stages: {labels.replace(',', ', ')}.")
    dropdown.add(f"{stage}{first}:{stage}{last_row}")
    sheet.add_data_validation(dropdown)


def add_products_sheet(book: Workbook, products) -> None:
    """A Products sheet (Product, Price, Lead time days) with one row per (name, price, days)."""
    sheet = book.create_sheet("Products")
    for column, header in enumerate(PRODUCT_HEADERS, 1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for row, (name, price, days) in enumerate(products, 2):
        sheet.cell(row, 1, name)
        sheet.cell(row, 2, price).number_format = AMOUNT_FORMAT
        sheet.cell(row, 3, days)
    for letter, width in zip("ABC", (28, 12, 15)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def write_deal_row(sheet, row: int, deal: dict) -> None:
    """Write one deal (field key -> value) on `row`; dates land as real date cells."""
    for column, field in enumerate(DEAL_FIELDS, 1):
        value = deal.get(field.key)
        if value is None:
            continue
        cell = sheet.cell(row, column, value)
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT


# A finished deal dated well in the past: closed deals get no due or idle reminders, so the
# example checks clean whatever today is.
EXAMPLE_DEAL = {
    "deal_id": "D-0001", "company": "Example Ltd", "contact": "Sam Example",
    "email": "sam@example.com", "owner": "Your name", "product": "Standard package",
    "stage": "Followed up", "amount": 1200, "probability": 100,
    "created": dt.date(2025, 1, 6), "first_contact": dt.date(2025, 1, 7),
    "discovery_on": dt.date(2025, 1, 14), "proposal_sent": dt.date(2025, 1, 21),
    "confirmed_on": dt.date(2025, 1, 28), "delivery_due": dt.date(2025, 2, 7),
    "delivered_on": dt.date(2025, 2, 6), "follow_up_due": dt.date(2025, 2, 13),
    "followed_up_on": dt.date(2025, 2, 12), "last_contact": dt.date(2025, 2, 12),
    "notes": "An example deal: replace it with your own.",
}


def write_starter_workbook(path: Path) -> Path:
    """Write a starter deals workbook at `path` (which must not exist): a Deals sheet with
    every default column, a Stage dropdown, date formats and one example deal, and a
    Products sheet with three example products. Returns the path."""
    path = Path(path)
    refuse_existing(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "Deals"
    format_deals_sheet(sheet)
    write_deal_row(sheet, 2, EXAMPLE_DEAL)
    add_products_sheet(book, STARTER_PRODUCTS)
    return save_new(book, path)


if __name__ == "__main__":  # remake templates/deals.xlsx: python -m sheetsales.operations.starter
    import sys

    Path(sys.argv[1]).unlink(missing_ok=True)
    write_starter_workbook(Path(sys.argv[1]))
