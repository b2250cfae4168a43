import datetime as dt
from collections import Counter

import openpyxl
import pytest

from sheetsales import check
from sheetsales.core.config import Config
from sheetsales.operations.demo import OWNERS, write_demo_workbook
from sheetsales.core.errors import SheetsalesError
from sheetsales.rules import RULE_CODES
from sheetsales.rules.status import CLOSED, OK

MONDAY, SATURDAY = dt.date(2026, 3, 2), dt.date(2026, 3, 7)
TODAYS = [MONDAY, SATURDAY, dt.date(2025, 12, 31), dt.date(2024, 2, 29)]
# STG004 needs a previous run; DUE007 an Expected close column, which the demo does not keep;
# HDR001 a header read by some of its words (the demo's are exact); OWN001 a person's typing
# over sheetsales' cells since its last write
ALL_BUT_HISTORY = set(RULE_CODES) - {"STG004", "DUE007", "HDR001", "OWN001"}


@pytest.fixture(scope="module", params=TODAYS, ids=str)
def demo(request, tmp_path_factory):
    today = request.param
    path = write_demo_workbook(tmp_path_factory.mktemp("demo") / "demo.xlsx", today)
    return path, today, check(path, Config(), today=today)


def test_about_sixty_deals_under_a_title(demo):
    _, _, report = demo
    assert 55 <= len(report.deals) <= 65
    assert report.sheet.title == "Deals"
    assert report.summary()["header_row"] == 3


def test_four_owners(demo):
    _, _, report = demo
    owners = Counter(d.get("owner") for d in report.deals if d.get("owner"))
    assert set(owners) >= set(OWNERS) and len(OWNERS) >= 4
    assert min(owners.values()) >= 10


def test_every_rule_but_stg004_fires(demo):
    _, _, report = demo
    codes = {f.code for f in report.findings}
    assert codes == ALL_BUT_HISTORY


def test_most_deals_are_healthy(demo):
    _, _, report = demo
    statuses = Counter(s.status for s in report.statuses().values())
    assert statuses[OK] >= 25
    assert statuses[CLOSED] >= 8
    assert any(s.startswith("Snoozed until") for s in statuses)
    flagged_rows = {f.row for f in report.findings}
    assert 12 <= len(flagged_rows) <= 25


def test_ambiguous_date_could_really_be_either(demo):
    _, _, report = demo
    [finding] = [f for f in report.findings if f.code == "DAT004"]
    day, month, _ = (int(part) for part in finding.value.split("/"))
    assert day <= 12 and month <= 12 and day != month


def test_dates_are_real_date_cells(demo):
    path, today, _ = demo
    sheet = openpyxl.load_workbook(path)["Deals"]
    assert sheet["A1"].value.startswith("Brightside Coffee Systems")
    assert all(c.value is None for c in sheet[2])
    headers = [c.value for c in sheet[3]]
    created = headers.index("Created") + 1
    cells = [sheet.cell(row, created) for row in range(4, sheet.max_row + 1)]
    dates = [c for c in cells if isinstance(c.value, dt.datetime)]
    assert len(dates) >= 50
    assert all(c.number_format == "yyyy-mm-dd" and c.value.date() <= today for c in dates)
    assert sheet.freeze_panes == "A4"


def test_products_sheet_has_lead_times(demo):
    _, _, report = demo
    products = report.sheet.products
    assert len(products) >= 3
    assert all(p["lead_time_days"] and p["price"] for p in products.values())


@pytest.mark.parametrize("today", [MONDAY, SATURDAY], ids=str)
def test_deterministic_for_a_day(tmp_path, today):
    first = write_demo_workbook(tmp_path / "a.xlsx", today)
    second = write_demo_workbook(tmp_path / "b.xlsx", today)
    findings = [[f.as_dict() for f in check(p, Config(), today=today).findings]
                for p in (first, second)]
    assert findings[0] == findings[1]
    values = [[[c.value for c in row] for row in openpyxl.load_workbook(p)["Deals"].iter_rows()]
              for p in (first, second)]
    assert values[0] == values[1]


def test_same_findings_whatever_the_day(tmp_path):
    """Dates are relative to today, so a Monday and a Saturday give the same findings."""
    shapes = []
    for today in (MONDAY, SATURDAY):
        path = write_demo_workbook(tmp_path / f"{today}.xlsx", today)
        report = check(path, Config(), today=today)
        shapes.append([(f.code, f.row, f.column) for f in report.findings])
    assert shapes[0] == shapes[1]


def test_refuses_an_existing_path(tmp_path):
    path = tmp_path / "demo.xlsx"
    path.write_bytes(b"someone's work")
    with pytest.raises(SheetsalesError, match="already exists"):
        write_demo_workbook(path, MONDAY)
    assert path.read_bytes() == b"someone's work"
