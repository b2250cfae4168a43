"""What locate_deals understood of a header row: the field of each column and why, what it
ignored and why, and the notes on what it could not prove."""

from sheetsales.core.config import Config, load_config
from sheetsales.sources import MemoryGrid
from sheetsales.understand import locate_deals


def understand(headers, config=None):
    return locate_deals(MemoryGrid({"Deals": [headers, ["D-1"] * len(headers)]}),
                        config or Config()).understanding


def test_name_alias_configured_and_twins(tmp_path):
    (tmp_path / "sheetsales.toml").write_text('[columns]\nowner = "Rep"\n', encoding="utf-8")
    config = load_config(cwd=tmp_path, environ={})
    u = understand(["Deal ID", "Customer", "Rep", "Stage", "Close Date", "Expected Close Date",
                    "Pipeline status", "Region"], config)
    how = {c.field: (c.header, c.how, c.column) for c in u.columns}
    assert how["deal_id"] == ("Deal ID", "name", "A")
    assert how["company"] == ("Customer", "alias", "B")
    assert how["owner"] == ("Rep", "configured", "C")
    assert how["expected_close"] == ("Close Date", "alias", "E")
    ignored = {i.header: i.reason for i in u.ignored}
    assert ignored == {"Expected Close Date": "also reads as Expected close; column E is used",
                       "Region": "not a column sheetsales reads"}  # Pipeline status: ours
    assert any("sheetsales init --from" in n for n in u.notes)
    assert (u.sheet, u.header_row, u.date_order, u.stages) == ("Deals", 1, None, None)


def test_stage_entry_columns_fill_step_dates_not_mapped_otherwise():
    u = understand(["Deal ID", "Company", "Stage", "Proposal sent", "hs_date_entered_contractsent",
                    "Date entered 'Closed Won (Sales Pipeline)'", "hs_date_entered_95211147"])
    how = {c.field: (c.header, c.how, c.stage) for c in u.columns}
    assert how["proposal_sent"] == ("Proposal sent", "name", None)  # the sheet's own column wins
    assert how["confirmed_on"] == ("Date entered 'Closed Won (Sales Pipeline)'", "stage entry",
                                   "Won")
    ignored = {i.header: i.reason for i in u.ignored}
    assert ignored == {
        "hs_date_entered_contractsent": "entry date of Proposal; column D is used",
        "hs_date_entered_95211147": "entry date of stage '95211147', not a known stage"}


def test_stage_since_aliases_in_other_languages():
    for header in ("Stage Change Date", "Date entered stage", "Last stage change",
                   "stage_change_time", "Phasenwechsel", "Fecha de cambio de etapa"):
        u = understand(["Deal ID", "Company", "Stage", header])
        assert u.field_header("stage_since") == header, header
