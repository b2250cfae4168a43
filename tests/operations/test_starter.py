from io import BytesIO
import dataclasses
import datetime as dt
import re
import tomllib

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsales import check
from sheetsales.core.config import SCHEMA, STAGE_KEYS, Config, load_config
from sheetsales.core.errors import SheetsalesError
from sheetsales.sources.xlsx.reader import XlsxGrid
from sheetsales.operations.starter import CONFIG_TEMPLATE, EXAMPLE_DEAL, write_starter_workbook

HEADERS = ["Deal ID", "Company", "Contact", "Email", "Owner", "Product", "Stage", "Amount",
           "Probability", "Created", "First contact", "Discovery on", "Proposal sent",
           "Confirmed on", "Delivery due", "Delivered on", "Follow-up due", "Followed up on",
           "Next step", "Next step due", "Last contact", "Lost on", "Lost reason",
           "Snooze until", "Notes"]
DATE_HEADERS = ["Created", "First contact", "Discovery on", "Proposal sent", "Confirmed on",
                "Delivery due", "Delivered on", "Follow-up due", "Followed up on",
                "Next step due", "Last contact", "Lost on", "Snooze until"]
STAGE_LABELS = "Lead,Contacted,Discovery,Proposal,Won,Delivered,Followed up,Lost"
# Example lines in the template are "# key = value" or "# [section]".
EXAMPLE_LINE = re.compile(r"^# (\[\[?[a-z_.]+\]\]?|[A-Za-z_]\w* = .+)$")


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    return write_starter_workbook(tmp_path_factory.mktemp("starter") / "deals.xlsx")


@pytest.fixture(scope="module")
def book(starter):
    return openpyxl.load_workbook(starter)


def column(sheet, header):
    return openpyxl.utils.get_column_letter(HEADERS.index(header) + 1)


def test_deals_sheet_header_row(book):
    sheet = book["Deals"]
    assert book.sheetnames == ["Deals", "Products"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Y1"
    assert sheet.column_dimensions["B"].width >= 20  # Company
    assert sheet.column_dimensions["Y"].width >= 30  # Notes


def test_stage_dropdown_lists_the_stage_labels(book):
    sheet = book["Deals"]
    [dropdown] = sheet.data_validations.dataValidation
    assert dropdown.type == "list"
    assert dropdown.formula1 == f'"{STAGE_LABELS}"'
    assert str(dropdown.sqref) == f"{column(sheet, 'Stage')}2:{column(sheet, 'Stage')}1000"
    assert dropdown.errorStyle == "warning"  # aliases like "Closed Won" can still be typed


def test_date_and_number_formats(book):
    sheet = book["Deals"]
    for header in DATE_HEADERS:
        letter = column(sheet, header)
        for row in (2, 3, 500, 1000):
            assert sheet[f"{letter}{row}"].number_format == "yyyy-mm-dd", (header, row)
    amount = column(sheet, "Amount")
    assert sheet[f"{amount}2"].number_format == sheet[f"{amount}1000"].number_format == "#,##0.00"
    for header in ("Company", "Notes"):
        assert sheet[f"{column(sheet, header)}2"].number_format == "General"


def test_example_deal_row(book):
    sheet = book["Deals"]
    row = dict(zip(HEADERS, (c.value for c in sheet[2])))
    assert row["Deal ID"] == "D-0001"
    assert row["Stage"] == "Followed up"
    assert row["Confirmed on"] == dt.datetime(2025, 1, 28)  # a real date cell
    assert sheet.max_row == 1000  # formatted, otherwise empty rows below the example
    assert all(c.value is None for c in sheet[3])


def test_products_sheet(book):
    sheet = book["Products"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Product", "Price", "Lead time days"]
    assert len(rows) == 4
    assert all(isinstance(name, str) and price > 0 and isinstance(days, int)
               for name, price, days in rows[1:])
    assert EXAMPLE_DEAL["product"] in [r[0] for r in rows[1:]]
    assert sheet["A1"].font.bold


@settings(max_examples=30, deadline=None)
@given(today=st.dates(min_value=dt.date(2025, 2, 12), max_value=dt.date(2100, 12, 31)))
def test_starter_checks_clean_whatever_today(starter, today):
    report = check(XlsxGrid(starter), Config(), today=today)
    assert report.summary()["header_row"] == 1
    assert len(report.deals) == 1
    assert report.findings == []
    assert report.sheet.products is not None and len(report.sheet.products) == 3
    assert [s.status for s in report.statuses().values()] == ["Closed"]


def test_refuses_an_existing_path(tmp_path):
    path = write_starter_workbook(tmp_path / "deals.xlsx")
    before = path.read_bytes()
    with pytest.raises(SheetsalesError, match="already exists"):
        write_starter_workbook(path)
    assert path.read_bytes() == before
    other = tmp_path / "mine.xlsx"
    other.write_text("not mine to overwrite")
    with pytest.raises(SheetsalesError, match="mine.xlsx already exists"):
        write_starter_workbook(other)
    assert other.read_text() == "not mine to overwrite"


def test_creates_missing_folders(tmp_path):
    path = write_starter_workbook(tmp_path / "new" / "deals.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == ["Deals", "Products"]


# --- the commented sheetsales.toml template ---

def test_template_behaves_like_no_config():
    config = load_config(CONFIG_TEMPLATE, environ={})
    default = Config()
    assert config.path == CONFIG_TEMPLATE
    assert tuple(config.stages.stages) == tuple(default.stages.stages)
    for name in [f.name for f in dataclasses.fields(Config)]:
        if name not in ("path", "stages"):
            assert getattr(config, name) == getattr(default, name), name


def test_template_documents_every_section_and_key():
    text = CONFIG_TEMPLATE.read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        assert re.search(rf"^(# )?\[{section}\]$", text, re.M), section
        for key in keys:
            as_key, as_table = rf"^(# )?{key} = ", rf"^(# )?\[{section}\.{key}\]$"
            assert re.search(as_key, text, re.M) or re.search(as_table, text, re.M), \
                f"{section}.{key}"
    assert re.search(r"^# \[\[stages\]\]$", text, re.M)
    for key in STAGE_KEYS:
        assert re.search(rf"^# {key} = ", text, re.M), f"stages.{key}"
    header = text.split("\n\n")[0]
    assert "SHEETSALES_<SECTION>_<KEY>" in header
    for rank, source in enumerate(("command-line flags", "environment variables", "this file",
                                   "built-in defaults"), 1):
        assert f"#   {rank}. {source}" in header
    assert "SHEETSALES_SMTP_PASSWORD" in text
    assert "password =" not in text


def test_template_examples_are_valid_config(tmp_path):
    lines = CONFIG_TEMPLATE.read_text(encoding="utf-8").splitlines()
    uncommented = "\n".join(m[1] if (m := EXAMPLE_LINE.match(line)) else line for line in lines)
    path = tmp_path / "sheetsales.toml"
    path.write_text(uncommented, encoding="utf-8")
    tomllib.loads(uncommented)
    config = load_config(path, environ={})
    assert config.reminders.outbox == "outbox"
    assert config.reminders.owners["Ana"] == "ana@example.com"
    assert config.reminders.smtp.host and config.reminders.smtp.user
    assert config.schedule.at == "07:00"
    assert config.schedule.sources == ("deals.xlsx",)
    assert config.history.backups == 10
    assert config.rules.date_order == "DMY"
    proposal = config.stages.by_key("proposal")
    assert proposal == Config().stages.by_key("proposal")  # the example shows the defaults


def test_starter_checks_clean_with_the_template(starter):
    config = load_config(CONFIG_TEMPLATE, environ={})
    assert check(starter, config, today=dt.date(2026, 3, 4)).findings == []


def test_the_shipped_starter_workbook_is_what_the_builder_makes(tmp_path, book):
    """templates/deals.xlsx is the file `init` copies; remake it with
    `python -m sheetsales.operations.starter templates/deals.xlsx` after changing the
    builder, or this fails."""
    from sheetsales.operations.starter import WORKBOOK_TEMPLATE

    shipped = openpyxl.load_workbook(BytesIO(WORKBOOK_TEMPLATE.read_bytes()))
    assert shipped.sheetnames == book.sheetnames
    for name in book.sheetnames:
        assert [[c.value for c in row] for row in shipped[name].iter_rows()] == \
            [[c.value for c in row] for row in book[name].iter_rows()]
        assert [(v.type, v.formula1, str(v.sqref)) for v in
                shipped[name].data_validations.dataValidation] == \
            [(v.type, v.formula1, str(v.sqref)) for v in book[name].data_validations.dataValidation]
