"""What a sheet proves about itself (understand/): date order, probability scales, amount
separators, the Deal ID column, the stage vocabulary, header matching by words; and how
`check` reads a sheet with it. Fixtures are generated (tests/support/understand_sheets.py)."""

import datetime as dt
import tomllib
from collections import Counter
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sheetsales
from sheetsales.core.config import Config
from sheetsales.core.errors import SourceError
from sheetsales.core.fields import DEFAULT_FIELDS, FIELD_KEYS
from sheetsales.core.stages import DEFAULT_STAGES, StageSet
from sheetsales.sources.memory import MemoryGrid
from sheetsales.rules.currency import deal_currency, split_by_currency
from sheetsales.understand.amounts import (COMMA, POINT, column_separators, currency_name,
                                           read_amount)
from sheetsales.understand.columns import match_header
from sheetsales.understand.dates import DMY, MDY, MIXED, UNPROVED, column_order, sheet_orders
from sheetsales.understand.infer import with_vocabulary
from sheetsales.understand.scales import FRACTION, PERCENT, WORDS, probability_scale
from sheetsales.understand.vocab import stage_vocabulary
from sheetsales.understand.vocabulary import vocabulary

import understand_sheets as sheets

TODAY = dt.date(2026, 11, 27)


def check_rows(tmp_path, rows, name="deals.csv", config=None):
    return sheetsales.check(sheets.write_csv(tmp_path / name, rows), config, TODAY)


def codes(report) -> Counter:
    return Counter(f.code for f in report.findings)


# --- the vocabularies ----------------------------------------------------------------------

def test_vocabularies_ship_agree_and_name_real_fields():
    vocab = vocabulary()
    assert vocab.conflicts == []
    assert {e.target for e in vocab.headers.values()} <= set(FIELD_KEYS)
    assert {e.target for e in vocab.stages.values()} <= {s.key for s in DEFAULT_STAGES}
    assert all(e.source for e in [*vocab.headers.values(), *vocab.stages.values()])
    for origin in ("English", "German", "French", "Spanish", "Portuguese", "Dutch", "HubSpot",
                   "Salesforce", "Pipedrive", "Zoho CRM", "Bitrix24", "monday.com", "Odoo",
                   "Freshsales", "Copper", "Close", "spreadsheet templates"):
        assert vocab.sizes[origin][0] >= 10, origin
    defaults = StageSet()  # a built-in label never means another stage in a vocabulary
    for entry in vocab.stages.values():
        found = defaults.match(entry.name)
        assert found is None or found.key == entry.target, entry


def test_vocabulary_files_are_package_data():
    import pathlib
    pyproject = tomllib.loads((pathlib.Path(__file__).parents[2] / "pyproject.toml")
                              .read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["sheetsales.understand"]
    shipped = resources.files("sheetsales.understand") / "vocab"
    for folder in ("languages", "dialects"):
        assert f"vocab/{folder}/*.toml" in data
        assert any(f.name.endswith(".toml") for f in (shipped / folder).iterdir())
    assert "vocab/*.toml" in data and (shipped / "scales.toml").is_file()


# --- headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("headers,expected", [
    (["Phase", "Betrag", "Firma", "Verantwortlich"],
     {"stage": 0, "amount": 1, "company": 2, "owner": 3}),
    (["Étape", "Montant", "Société"], {"stage": 0, "amount": 1, "company": 2}),
    (["Etapa", "Importe", "Empresa"], {"stage": 0, "amount": 1, "company": 2}),
    (["StageName", "OwnerId", "AccountId", "Amount"],
     {"stage": 0, "owner": 1, "company": 2, "amount": 3}),
    (["dealname", "dealstage", "hubspot_owner_id", "amount"],
     {"stage": 1, "owner": 2, "amount": 3}),
    (["ID", "STAGE_ID", "OPPORTUNITY", "ASSIGNED_BY_ID"],
     {"deal_id": 0, "stage": 1, "amount": 2, "owner": 3}),
    (["Phase", "Betrag", "Währung"], {"stage": 0, "amount": 1, "currency": 2}),
    (["Étape", "Montant", "Devise"], {"stage": 0, "amount": 1, "currency": 2}),
    (["Etapa", "Importe", "Moneda"], {"stage": 0, "amount": 1, "currency": 2}),
    (["Fase", "Valor", "Moeda"], {"stage": 0, "amount": 1, "currency": 2}),
    (["Fase", "Bedrag", "Valuta"], {"stage": 0, "amount": 1, "currency": 2}),
    (["Deal - Stage", "Deal - Value", "Deal - Currency"],
     {"stage": 0, "amount": 1, "currency": 2}),
    (["StageName", "Amount", "CurrencyIsoCode"], {"stage": 0, "amount": 1, "currency": 2}),
])
def test_headers_in_other_languages_and_crm_exports(headers, expected):
    assert match_header(headers, DEFAULT_FIELDS).columns == expected


def test_qualified_headers_match_weakly_and_ties_are_taken_by_neither():
    match = match_header(["Owner code", "Deal value (EUR)", "Estimated $", "Company Owner",
                          "Stage"], DEFAULT_FIELDS)
    weak = {m.header: (m.field, m.how) for m in match.weak}
    assert weak == {"Owner code": ("owner", "words"), "Estimated $": ("amount", "qualified")}
    assert match.ties == (("Company Owner", ("company", "owner")),)
    assert "Deal value (EUR)" in match.ignored  # amount went to the better-scored column
    alone = match_header(["Deal value (EUR)", "Stage", "Company"], DEFAULT_FIELDS)
    assert [(m.field, m.how, m.score) for m in alone.weak] == [("amount", "words", 0.5)]


def test_no_header_refusal_lists_the_best_candidate_rows():
    grid = MemoryGrid({"Deals": [["Pipeline 2026"], ["Owner code", "Masked Deal value"],
                                 ["Client", "Stage"], ["x", "y"]]})
    with pytest.raises(SourceError) as caught:
        sheetsales.check(grid, Config(), TODAY)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("no header row found in any sheet of")
    assert lines[1] == "Best candidate rows:"
    assert lines[2] == "  'Deals' row 3: A 'Client' -> company, B 'Stage' -> stage"
    assert lines[3] == "  'Deals' row 2: A 'Owner code' -> owner (words), " \
                       "B 'Masked Deal value' -> amount (words)"
    assert "init --from" in lines[-1]


# --- dates ---------------------------------------------------------------------------------

def test_a_day_first_export_is_read_day_first_without_a_warning(tmp_path):
    rows = sheets.crm_export(order="DMY")
    report = check_rows(tmp_path, rows)
    dates = report.sheet.evidence["dates"]
    assert {k: (e.order, e.how) for k, e in dates.items()} == {
        "created": (DMY, "proved by its values"), "expected_close": (DMY, "proved by its values")}
    assert "DAT004" not in codes(report)
    day, month, year = (int(p) for p in rows[1][7].split("/"))
    assert report.deals[0].values["created"] == dt.date(year, month, day)


def test_a_month_first_export_is_read_month_first(tmp_path):
    rows = sheets.crm_export(order="MDY")
    report = check_rows(tmp_path, rows)
    assert {e.order for e in report.sheet.evidence["dates"].values()} == {MDY}
    assert "DAT004" not in codes(report)
    text = rows[1][7]
    month, day, year = (int(p) for p in text.split("/"))
    assert report.deals[0].values["created"] == dt.date(year, month, day)


def test_a_column_mixing_orders_is_one_finding_and_its_ambiguous_dates_stay_reported(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Created"],
            ["D1", "A", "Ana", "Lead", "20/10/2026"], ["D2", "B", "Ana", "Lead", "10/20/2026"],
            ["D3", "C", "Ana", "Lead", "03/04/2026"]]
    report = check_rows(tmp_path, rows)
    dat004 = [f for f in report.findings if f.code == "DAT004"]
    assert [(f.row, f.cell) for f in dat004] == [(1, "deals!E1"), (4, "deals!E4")]
    assert "mixes day-first dates (1, such as 20/10/2026 on row 2) and month-first dates " \
           "(1, such as 10/20/2026 on row 3)" in dat004[0].message
    assert report.sheet.evidence["dates"]["created"].how == MIXED


def test_a_column_with_no_proof_takes_the_order_the_sheet_proves():
    orders = sheet_orders({"created": {"20/10/2026": 2}, "proposal_sent": {"03/04/2026": 2}})
    assert (orders["proposal_sent"].order, orders["proposal_sent"].how) == \
        (DMY, "from the sheet's other date columns")


def test_a_configured_order_wins(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage", "Created"],
            ["D1", "A", "Ana", "Lead", "10/20/2026"], ["D2", "B", "Ana", "Lead", "03/04/2026"]]
    config = sheetsales.load_config(None, environ={}, overrides={"rules": {"date_order": "DMY"}})
    report = check_rows(tmp_path, rows, config=config)
    assert report.deals[1].values["created"] == dt.date(2026, 4, 3)
    assert report.sheet.evidence["dates"]["created"].how == "configured"


_days = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))


def _text(day, order):
    return sheets.text_date(day, order)


@settings(max_examples=200, deadline=None)
@given(st.lists(_days, min_size=1, max_size=30), st.sampled_from([DMY, MDY]), st.data())
def test_a_column_that_proves_an_order_is_never_read_in_the_other(days, order, data):
    proof = data.draw(_days.filter(lambda d: d.day > 12))
    distinct = list(dict.fromkeys([proof, *days]))
    texts = [_text(d, order) for d in distinct]
    found = sheet_orders({"created": {t: i + 2 for i, t in enumerate(texts)}})["created"]
    assert found.order == order and found.how == "proved by its values"
    grid = MemoryGrid({"Deals": [["Deal ID", "Stage", "Created"],
                                 *[[f"D{i}", "Lead", t] for i, t in enumerate(texts)]]})
    report = sheetsales.check(grid, Config(), TODAY)
    assert [d.values.get("created") for d in report.deals] == distinct
    assert "DAT004" not in codes(report)


@settings(max_examples=200, deadline=None)
@given(st.lists(_days.filter(lambda d: d.day <= 12 and d.day != d.month), min_size=1,
                max_size=30))
def test_an_ambiguous_column_with_no_proof_stays_a_finding(days):
    texts = {_text(d, DMY): i + 2 for i, d in enumerate(days)}
    found = column_order("created", ((row, t) for t, row in texts.items()))
    assert found.order is None and found.how == UNPROVED and found.ambiguous == len(texts)
    grid = MemoryGrid({"Deals": [["Deal ID", "Stage", "Created"],
                                 *[[f"D{i}", "Lead", t] for i, t in enumerate(texts)]]})
    report = sheetsales.check(grid, Config(), TODAY)
    assert codes(report)["DAT004"] == len(texts)


# --- amounts -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,decimal,number", [
    ("$4,500.00", None, 4500.0), ("2,300", None, 2300.0), ("1.234,56 €", None, 1234.56),
    ("1.234", COMMA, 1234.0), ("1.234", POINT, 1.234), ("1.234.567", None, 1234567.0),
    ("(1,200)", POINT, -1200.0), ("EUR 1 234,50", None, 1234.5), ("R$ 1.500,00", None, 1500.0),
    ("1'234.50", None, 1234.5), ("ASAP", None, None),
])
def test_read_amount(text, decimal, number):
    assert read_amount(text, decimal) == number


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1000, 999_999), min_size=1, max_size=20),
       st.sampled_from([COMMA, POINT]), st.integers(1, 99))
def test_a_column_that_proves_its_decimal_mark_is_never_read_with_the_other(
        numbers, mark, cents):
    group = "." if mark == COMMA else ","

    def show(n, decimals=True):
        whole = f"{n:,}".replace(",", group)
        return f"{whole}{mark}{cents:02d}" if decimals else whole

    texts = [show(numbers[0]), *(show(n, decimals=False) for n in numbers)]
    found = column_separators("amount", enumerate(texts))
    assert found.decimal == mark and not found.mixed
    for n in numbers:
        assert read_amount(show(n, decimals=False), found.decimal) == n


def test_a_german_sheet_reads_decimal_comma_amounts(tmp_path):
    report = check_rows(tmp_path, sheets.language_sheet("de"))
    assert report.sheet.evidence["amounts"]["amount"].decimal == COMMA
    raw = report.deals[0].original("amount")
    whole, cents = raw.rstrip(" €").split(",")
    assert report.deals[0].values["amount"] == float(whole.replace(".", "") + "." + cents)
    assert "VAL001" not in codes(report)


# --- probability ---------------------------------------------------------------------------

def test_probability_scales():
    assert probability_scale([0.1, 0.45, 1]).kind == FRACTION
    assert probability_scale([10, "40%", 90]).kind == PERCENT
    words = probability_scale(["Low", "High", "low", "Hot"])
    assert words.kind == WORDS and words.words == {"Low": 20, "High": 80, "low": 20, "Hot": 70}
    mine = probability_scale(["Low", "Maybe"], {"Low": 5, "Maybe": 50})
    assert mine.words == {"Low": 5, "Maybe": 50} and mine.source == "[probability] words"


def test_a_word_scale_is_understood_not_flagged(tmp_path):
    report = check_rows(tmp_path, sheets.crm_export())
    assert report.sheet.evidence["probability"].kind == WORDS
    assert "VAL001" not in codes(report)
    assert {d.values["probability"] for d in report.deals} == {20, 50, 80}


# --- the Deal ID column --------------------------------------------------------------------

def test_a_repeating_id_column_beside_a_unique_one_is_one_finding(tmp_path):
    report = check_rows(tmp_path, sheets.crm_export(rows=300))
    ids = report.sheet.evidence["ids"]
    assert (ids.rows, ids.distinct, ids.shared, ids.unique) == (300, 150, 300, "Row ID")
    ids002 = [f for f in report.findings if f.code == "IDS002"]
    assert len(ids002) == 1 and ids002[0].cell == "deals!A1" and ids002[0].deal_id is None
    assert '"Row ID" is unique' in ids002[0].hint
    assert all(s.status != "Invalid" for s in report.statuses().values())


def test_a_few_duplicates_are_still_reported_per_row(tmp_path):
    rows = [["Deal ID", "Company", "Owner", "Stage"]] + \
        [[f"D{i}", "A", "Ana", "Lead"] for i in range(40)] + [["D1", "A", "Ana", "Lead"]]
    report = check_rows(tmp_path, rows)
    assert not report.sheet.evidence["ids"].not_an_id and codes(report)["IDS002"] == 2


# --- stages --------------------------------------------------------------------------------

@pytest.mark.parametrize("language", sorted(sheets.LANGUAGES))
def test_sheets_in_other_languages_are_understood(tmp_path, language):
    report = check_rows(tmp_path, sheets.language_sheet(language))
    assert report.sheet.header_row == 3
    assert set(report.sheet.columns) == {"deal_id", "company", "owner", "stage", "amount",
                                         "created"}
    vocab = report.sheet.evidence["stages"]
    assert vocab.unknown == () and {v.how for v in vocab.values} <= {"vocabulary", "label",
                                                                     "alias"}
    assert not {"STG001", "DAT004", "VAL001"} & set(codes(report))


def test_word_forms_are_understood_and_typos_only_proposed():
    stages = with_vocabulary(StageSet())
    vocab = stage_vocabulary(["Proposing"] * 3 + ["Proposl"] * 2 + ["Pitching"], stages)
    read = {v.value: (v.count, v.stage, v.how, v.proposal) for v in vocab.values}
    assert read == {"Proposing": (3, "proposal", "word form", None),
                    "Proposl": (2, None, "", "proposal"), "Pitching": (1, None, "", None)}


def test_a_sheet_that_numbers_its_stages_gives_their_order(tmp_path):
    report = check_rows(tmp_path, sheets.numbered_sheet())
    vocab = report.sheet.evidence["stages"]
    assert vocab.numbered
    assert {v.value: (v.proposal, v.why) for v in vocab.unknown} == {
        "5 - Kickoff": ("won", "numbered 5, after step 4 (Won)"),
        "6 - Handover": ("won", "numbered 6, after step 4 (Won)")}
    assert codes(report)["STG001"] == 20  # proposals are never applied by check


@pytest.mark.parametrize("export,columns", [
    (sheets.hubspot_export, {"deal_id", "stage", "amount", "expected_close", "created",
                             "owner", "company"}),
    (sheets.salesforce_export, {"deal_id", "company", "stage", "amount", "probability",
                                "expected_close", "created", "owner"}),
    (sheets.pipedrive_export, {"deal_id", "amount", "company", "owner", "stage", "outcome",
                               "created"}),
    (sheets.bitrix24_export, {"deal_id", "stage", "amount", "currency", "owner", "company",
                              "created"}),
])
def test_crm_exports_are_read_with_their_field_names(tmp_path, export, columns):
    report = check_rows(tmp_path, export())
    assert set(report.sheet.columns) == columns
    assert report.sheet.evidence["stages"].unknown == ()
    assert not {"STG001", "DAT001", "VAL001", "IDS002"} & set(codes(report))


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("rows", [[], [["Sales pipeline 2026"], ["Prepared by Ana"]]])
def test_an_empty_sheet_or_one_of_titles_is_refused_in_one_sentence(tmp_path, rows):
    from helpers import run_cli
    path = sheets.write_csv(tmp_path / "deals.csv", rows)
    result = run_cli(["check", path], 2, stderr="no header row found")
    assert result.stderr.splitlines()[0].startswith("Error: no header row found")


def test_a_workbook_is_understood_as_a_csv_is(tmp_path):
    from helpers import write_deals
    rows = sheets.language_sheet("fr")[3:]
    path = write_deals(tmp_path / "deals.xlsx", rows, headers=sheets.LANGUAGES["fr"][0])
    from_xlsx = sheetsales.check(path, Config(), TODAY)
    from_csv = check_rows(tmp_path, sheets.language_sheet("fr"))
    assert from_xlsx.sheet.columns == from_csv.sheet.columns
    assert [d.values for d in from_xlsx.deals] == [d.values for d in from_csv.deals]
    assert codes(from_xlsx) == codes(from_csv)


def test_stg001_says_where_a_numbered_sheet_places_an_unknown_stage(tmp_path):
    report = check_rows(tmp_path, sheets.numbered_sheet())
    hints = {f.value: f.hint for f in report.findings if f.code == "STG001"}
    assert hints["5 - Kickoff"].startswith("The sheet places it numbered 5, after step 4 (Won): "
                                           "sheetsales init --from proposes it")


# --- currencies ----------------------------------------------------------------------------

def test_amounts_with_a_currency_code_are_numbers_in_that_currency(tmp_path):
    report = check_rows(tmp_path, [
        ["Deal ID", "Company", "Owner", "Stage", "Amount"],
        ["D-1", "Acme", "Ana", "Proposal", "EUR 2000"],
        ["D-2", "Beta", "Bo", "Proposal", "2000 EUR"],
        ["D-3", "Gamma", "Ana", "Lead", "USD 1,200.50"]])
    assert "VAL001" not in codes(report)
    assert [d.values["amount"] for d in report.deals] == [2000, 2000, 1200.5]
    assert [deal_currency(d) for d in report.deals] == ["EUR", "EUR", "USD"]


def test_a_currency_column_names_the_currency_and_the_amount_text_fills_its_gaps(tmp_path):
    report = check_rows(tmp_path, [
        ["Deal ID", "Company", "Owner", "Stage", "Amount", "Währung"],
        ["D-1", "Acme", "Ana", "Proposal", "2000", "eur"],
        ["D-2", "Beta", "Bo", "Proposal", "1.500", "€"],
        ["D-3", "Gamma", "Ana", "Lead", "$300", ""],
        ["D-4", "Delta", "Bo", "Lead", "700", "Euro"],
        ["D-5", "Epsilon", "Ana", "Lead", "900", "USD"]])
    assert "VAL001" not in codes(report)
    assert [deal_currency(d) for d in report.deals] == ["EUR", "EUR", "$", "EUR", "USD"]
    pots = split_by_currency(report.deals)
    assert {c: sum(d.values["amount"] for d in group) for c, group in pots.items()} == {
        "$": 300, "EUR": 2000 + 1.5 + 700, "USD": 900}


@pytest.mark.parametrize("mark,name", [("€", "EUR"), (" usd ", "USD"), ("$", "$"), ("kr", "kr"),
                                       ("R$", "BRL"), ("", None), (None, None), ("euros", "EUR")])
def test_currency_names(mark, name):
    assert currency_name(mark) == name
