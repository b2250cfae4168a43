"""Data-driven rule cases: tests/rule_cases/<CODE>.toml holds passing and failing deals."""

import tomllib
from pathlib import Path

import pytest

from sheetsales import check
from sheetsales.core.config import _validate, build_config
from sheetsales.core.fields import DEFAULT_FIELDS
from sheetsales.rules import RULE_CODES, RULES
from sheetsales.plan.make import make_plan
from sheetsales.sources import MemoryGrid
from sheetsales.sources.memory import MemoryTarget

CASES = Path(__file__).parent / "cases"
HEADERS = [f.header for f in DEFAULT_FIELDS]
DEFAULTS = {"Deal ID": None, "Company": "Acme Ltd", "Owner": "Ana"}


def load_cases():
    for path in sorted(CASES.glob("*.toml")):
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        for kind in ("pass", "fail"):
            for number, case in enumerate(spec.get(kind, []), 1):
                yield pytest.param(spec, kind, case,
                                   id=f"{path.stem}-{kind}-{case.get('name', number)}")


def run_case(spec, case):
    deal = {**DEFAULTS, "Deal ID": "D-1", **{k: v for k, v in case.items()
                                            if k not in ("name", "count", "message", "column",
                                                         "wrote")}}
    before = [{**DEFAULTS, **row} for row in spec.get("rows_before", [])]
    extra = [{**DEFAULTS, **row} for row in spec.get("other_rows", [])]
    headers = [h for h in HEADERS if h not in spec.get("without", ())]  # columns it lacks
    headers += [h for h in deal if h not in headers]
    rows = [[row.get(h) for h in headers] for row in [*before, deal, *extra]]
    products = spec.get("products")
    sheets = {"Deals": [headers, *rows]}
    if products:
        sheets["Products"] = [["Product", "Price", "Lead time days"], *products]
    config = build_config(_validate(spec.get("config", {}), "case"))
    grid = MemoryGrid(sheets)
    report = check(grid, config, spec["today"], previous_stages=spec.get("previous_stages"))
    if "wrote" in case:  # OWN001: the Status column is sheetsales', which wrote `wrote` there
        target = MemoryTarget(grid)
        target.owned = {"Deals": {"status": headers.index("Status")}}
        make_plan(target, report, config, written={"Deals": {"D-1": [case["wrote"]]}})
    row = 2 + len(before)  # the case's deal, below the header and any rows_before
    if spec.get("at") == "header":  # a rule about a whole column reports on its header cell
        row = 1
    return [f for f in report.findings if f.code == spec["code"] and f.row == row]


@pytest.mark.parametrize("spec,kind,case", list(load_cases()))
def test_rule_case(spec, kind, case):
    found = run_case(spec, case)
    if kind == "pass":
        assert found == [], [f.message for f in found]
        return
    assert len(found) == case.get("count", 1), [f.message for f in found]
    finding = found[0]
    assert case.get("message", "") in finding.message
    if "column" in case:
        assert finding.column == case["column"]
    assert finding.hint and finding.cell.startswith("Deals!")


def test_every_rule_has_cases():
    files = {p.stem for p in CASES.glob("*.toml")}
    assert files == set(RULE_CODES)


def test_every_rule_has_a_docstring_and_unique_code():
    assert len(set(RULE_CODES)) == len(RULES)
    for rule in RULES:
        assert rule.description, rule.code
        assert rule.severity in ("error", "warning", "info")


def test_rules_restricted_to_phases_find_nothing_outside_them(tmp_path):
    """A rule's `phases` only skips calls: run on every deal of the demo pipeline (every
    stage and rule represented), it finds nothing on deals of other phases."""
    import datetime as dt

    from sheetsales.operations.demo import write_demo_workbook
    from sheetsales.core.config import Config

    today = dt.date(2026, 11, 27)
    report = check(write_demo_workbook(tmp_path / "demo.xlsx", today), Config(), today)
    restricted = [r for r in RULES if r.phases is not None]
    assert {r.code for r in restricted} >= {"DUE001", "DUE003", "IDL001"}
    phases = {d.stage.phase if d.stage else None for d in report.deals}
    assert len(phases) >= 4, "the demo covers every phase and unknown stages"
    for rule in restricted:
        outside = [d for d in report.deals if not d.stage or d.stage.phase not in rule.phases]
        assert outside and not [f for d in outside for f in rule.check(d, report.context)]
        if rule.code != "DUE007":  # the demo keeps step dates, not an Expected close column
            assert any(f.code == rule.code for f in report.findings), "and fires inside them"
