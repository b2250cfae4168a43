"""Labels in any script, read end to end: a sheet's stages, a config's aliases, the check
that reports them and the cleaner that rewrites them (issue 23, item 1)."""

import datetime as dt

from helpers import run_cli
from sheetsales import check, load_config


def check_source(path, config_path, today):
    return check(path, load_config(config_path, environ={}), today)

CYRILLIC_CONFIG = """
[[stages]]
label = "Lost"
aliases = ["Сделка провалена"]

[[stages]]
label = "Won"
aliases = ["Выдано"]
"""


def cyrillic_pipeline(tmp_path):
    """A Russian pipeline: two stages the config names, one it does not."""
    (tmp_path / "sheetsales.toml").write_text(CYRILLIC_CONFIG, encoding="utf-8")
    path = tmp_path / "deals.csv"
    path.write_text(
        "Deal ID,Company,Owner,Stage,Amount,Created,Delivery due\n"
        "D-1,ООО Ромашка,Иван,Переговоры,1000,2026-11-01,\n"
        "D-2,ООО Лютик,Иван,Сделка провалена,2000,2026-11-02,\n"
        "D-3,ООО Василёк,Мария,Выдано,3000,2026-11-03,2026-12-20\n", encoding="utf-8")
    return path


def test_an_unnamed_cyrillic_stage_is_unknown_and_a_lost_deal_is_lost(tmp_path):
    path = cyrillic_pipeline(tmp_path)
    report = check_source(path, tmp_path / "sheetsales.toml", today=dt.date(2026, 11, 27))
    stages = {d.deal_id: d.stage.key if d.stage else None for d in report.deals}
    assert stages == {"D-1": None, "D-2": "lost", "D-3": "won"}
    unknown = [f for f in report.findings if f.code == "STG001"]
    assert [(f.deal_id, f.value) for f in unknown] == [("D-1", "Переговоры")]


def test_check_never_says_in_order_when_a_cyrillic_stage_is_unknown(tmp_path):
    path = cyrillic_pipeline(tmp_path)
    result = run_cli(["check", path, "--config", tmp_path / "sheetsales.toml",
                      "--today", "2026-11-27"], 1, stdout="STG001")
    assert "Everything is in order" not in result.stdout
    assert "Переговоры" in result.stdout


def test_config_aliases_that_read_alike_are_an_error_naming_both(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[[stages]]\nlabel = "Proposal"\naliases = ["Négociation"]\n\n'
                      '[[stages]]\nlabel = "Lost"\naliases = ["negociation"]\n', encoding="utf-8")
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal ID,Company,Owner,Stage\nD-1,Acme,Ana,Lead\n", encoding="utf-8")
    run_cli(["check", deals, "--config", config], 2,
            stderr="stage aliases 'Négociation' and 'negociation' read as the same label")


def test_two_entries_for_one_stage_are_an_error(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[[stages]]\nlabel = "Won"\n\n[[stages]]\nlabel = "Closed Won"\n',
                      encoding="utf-8")
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal ID,Company,Owner,Stage\nD-1,Acme,Ana,Lead\n", encoding="utf-8")
    run_cli(["check", deals, "--config", config], 2,
            stderr="[[stages]] 'Won' and 'Closed Won' both configure the stage Won")


def test_a_config_alias_wins_over_a_built_in_alias_of_another_stage(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[[stages]]\nlabel = "Lost"\naliases = ["Negotiation", "Dead"]\n',
                      encoding="utf-8")
    stages = load_config(config, environ={}).stages
    assert stages.match("negotiation").key == "lost"  # was Proposal's built-in alias
    assert stages.match("Negotiating").key == "proposal"


def test_numeric_crm_stage_ids_are_distinct_stages(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[[stages]]\nlabel = "Won"\naliases = ["95211147"]\n\n'
                      '[[stages]]\nlabel = "Lost"\naliases = ["95211148"]\n', encoding="utf-8")
    stages = load_config(config, environ={}).stages
    assert stages.match("95211147").key == "won" and stages.match("95211148").key == "lost"
    assert stages.match("95211149") is None


def test_clean_stages_rewrites_accented_and_cyrillic_labels(tmp_path):
    path = cyrillic_pipeline(tmp_path)
    text = path.read_text(encoding="utf-8").replace("Выдано", "выдано ")
    text += "D-4,Acme,Ana,Négociation,10,2026-11-04,\n"
    path.write_text(text, encoding="utf-8")
    result = run_cli(["clean", "stages", path, "--config", tmp_path / "sheetsales.toml"], 1)
    assert '"выдано " -> "Won"' in result.stdout
    assert '"Négociation" -> "Proposal"' in result.stdout  # spelt like "negotiation"
    assert "Переговоры" in result.stdout  # left alone and reported


def test_two_configured_columns_that_read_alike_are_an_error(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[columns]\nstage = "Étape"\nnext_step = "etape"\n', encoding="utf-8")
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal ID,Company,Owner,Étape\nD-1,Acme,Ana,Lead\n", encoding="utf-8")
    run_cli(["check", deals, "--config", config], 2,
            stderr="[columns] stage = 'Étape' and next_step = 'etape' name the same column")


def test_headers_and_products_match_in_any_script(tmp_path):
    config = tmp_path / "sheetsales.toml"
    config.write_text('[columns]\nstage = "Стадия"\ncompany = "Компания"\nowner = "Ответственный"\n'
                      'deal_id = "ID сделки"\n', encoding="utf-8")
    deals = tmp_path / "deals.csv"
    deals.write_text("id сделки,КОМПАНИЯ,ответственный ,стадия\nD-1,Acme,Ana,Lead\n",
                     encoding="utf-8")
    report = check_source(deals, config, today=dt.date(2026, 11, 27))
    assert set(report.sheet.columns) == {"deal_id", "company", "owner", "stage"}
    assert report.deals[0].stage.key == "lead"


def _pipeline(tmp_path, config: str, csv: str):
    (tmp_path / "sheetsales.toml").write_text(config, encoding="utf-8")
    path = tmp_path / "deals.csv"
    path.write_text(csv, encoding="utf-8")
    return check_source(path, tmp_path / "sheetsales.toml", today=dt.date(2026, 11, 27))


def test_a_greek_pipeline(tmp_path):
    report = _pipeline(tmp_path, """
[columns]
company = "Εταιρεία"
owner = "Υπεύθυνος"
stage = "Στάδιο"
[[stages]]
label = "Proposal"
aliases = ["Πρόταση"]
[[stages]]
label = "Lost"
aliases = ["Χαμένη"]
""", "Εταιρεία,Υπεύθυνος,Στάδιο,Amount\n"
     "Άλφα ΑΕ,Νίκος,ΠΡΟΤΑΣΗ,100\n"      # capitals, no accent: the same label
     "Βήτα ΕΠΕ,Νίκος,χαμένη,\n"
     "Γάμμα ΟΕ,Ελένη,Διαπραγμάτευση,\n")  # not in the config
    assert [d.stage.key if d.stage else None for d in report.deals] == ["proposal", "lost", None]
    assert [(f.row, f.value) for f in report.findings if f.code == "STG001"] == \
        [(4, "Διαπραγμάτευση")]


def test_a_japanese_pipeline(tmp_path):
    report = _pipeline(tmp_path, """
[columns]
company = "会社名"
owner = "担当者"
stage = "ステージ"
[[stages]]
label = "Won"
aliases = ["受注"]
[[stages]]
label = "Lost"
aliases = ["失注"]
""", "会社名,担当者,ステージ,Delivery due,Amount\n"
     "株式会社アルファ,佐藤,受注,2026-12-20,500\n"
     "ベータ株式会社,鈴木,失注,,\n"
     "ガンマ合同会社,佐藤,商談中,,\n")
    assert [d.stage.key if d.stage else None for d in report.deals] == ["won", "lost", None]
    assert [(f.row, f.value) for f in report.findings if f.code == "STG001"] == [(4, "商談中")]


def test_a_pipedrive_style_api_export(tmp_path):
    """Numeric stage IDs, epoch-millisecond dates and a status column apart from the stage."""
    report = _pipeline(tmp_path, """
[columns]
deal_id = "id"
company = "org_name"
owner = "owner_name"
stage = "stage_id"
created = "add_time"
last_contact = "last_activity_date"
[[stages]]
label = "Contacted"
aliases = ["1"]
[[stages]]
label = "Proposal"
aliases = ["3"]
""", "id,org_name,owner_name,stage_id,status,add_time,last_activity_date,value\n"
     "101,Acme,Ana,1,open,1762000000000,,\n"
     "102,Beta,Bo,3,lost,1750000000000,2025-06-20 10:00:00 UTC,900\n"
     "103,Gamma,Cy,3,open,1750000000000,2025-06-20 10:00:00 UTC,900\n"
     "104,Delta,Di,7,open,1762000000000,,\n")
    deals = {d.deal_id: d for d in report.deals}
    assert {k: (d.stage.key if d.stage else None, d.outcome) for k, d in deals.items()} == {
        "101": ("contacted", "open"), "102": ("proposal", "lost"), "103": ("proposal", "open"),
        "104": (None, "open")}
    assert deals["101"].values["created"] == dt.date(2025, 11, 1)
    codes = {(f.deal_id, f.code) for f in report.findings}
    assert ("104", "STG001") in codes
    assert ("103", "IDL001") in codes and ("102", "IDL001") not in codes  # lost: closed
    assert not any(f.code == "DAT001" for f in report.findings)


def test_a_stage_id_is_never_taken_for_a_typo_of_another(tmp_path):
    (tmp_path / "sheetsales.toml").write_text('[[stages]]\nlabel = "Won"\naliases = ["95211147"]\n',
                                              encoding="utf-8")
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Company,Owner,Stage\nD-1,Acme,Ana,95211149\n", encoding="utf-8")
    report = check_source(path, tmp_path / "sheetsales.toml", today=dt.date(2026, 11, 27))
    [finding] = [f for f in report.findings if f.code == "STG001"]
    assert "Did you mean" not in finding.hint
    result = run_cli(["clean", "stages", path, "--config", tmp_path / "sheetsales.toml"], 0)
    assert '"95211149": not clearly one stage' in result.stdout
