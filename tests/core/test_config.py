import datetime as dt

import pytest

from sheetsales.core.config import load_config
from sheetsales.core.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "sheetsales.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_config(environ={}, cwd=tmp_path)
    assert config.path is None
    assert (config.rules.due_soon_days, config.rules.follow_up_days) == (3, 7)
    assert config.rules.date_order is None and not config.rules.business_days
    assert config.stages.by_key("proposal").idle_days == 14
    assert config.status_columns["status"] == "Status"


def test_file_found_in_current_directory(tmp_path):
    write(tmp_path, '[rules]\ndue_soon_days = 5\ndate_order = "dmy"\n')
    config = load_config(environ={}, cwd=tmp_path)
    assert config.rules.due_soon_days == 5 and config.rules.date_order == "DMY"


def test_precedence_flags_over_env_over_file(tmp_path):
    path = write(tmp_path, "[rules]\ndue_soon_days = 5\nfollow_up_days = 9\nbusiness_days = false\n")
    env = {"SHEETSALES_RULES_DUE_SOON_DAYS": "6", "SHEETSALES_RULES_BUSINESS_DAYS": "true",
           "SHEETSALES_SMTP_PASSWORD": "not config"}
    config = load_config(path, environ=env, overrides={"rules": {"due_soon_days": 2}})
    assert config.rules.due_soon_days == 2
    assert config.rules.follow_up_days == 9
    assert config.rules.business_days is True


def test_unknown_key_names_file_line_and_nearest(tmp_path):
    path = write(tmp_path, "[rules]\n\ndue_son_days = 5\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert str(err.value) == (f"{path} line 3: unknown key 'due_son_days' in [rules]; "
                              "did you mean 'due_soon_days'?")


def test_unknown_section(tmp_path):
    path = write(tmp_path, "[rule]\ndue_soon_days = 5\n")
    with pytest.raises(ConfigError, match=r"line 1: unknown section \[rule\]; did you mean 'rules'"):
        load_config(path, environ={})


@pytest.mark.parametrize("line,expected", [
    ("due_soon_days = -1", "rules.due_soon_days must be a whole number of 0 or more, not -1"),
    ('date_order = "DYM"', "rules.date_order must be one of DMY, MDY, YMD"),
    ('time_zone = "Mars/Olympus"', "rules.time_zone must be an IANA time zone"),
    ('country = "XX"', "rules.country must be a country code"),
    ('disabled = ["DUE01"]', "'DUE01' is not one (did you mean DUE001?)"),
    ("holidays = [42]", "rules.holidays must be a list of dates"),
])
def test_bad_values(tmp_path, line, expected):
    path = write(tmp_path, f"[rules]\n{line}\n")
    with pytest.raises(ConfigError, match="line 2") as err:
        load_config(path, environ={})
    assert expected in str(err.value)


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "[rules\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})


def test_unknown_environment_key():
    with pytest.raises(ConfigError, match="SHEETSALES_RULES_DUE_SON_DAYS.*did you mean 'due_soon_days'"):
        load_config(environ={"SHEETSALES_RULES_DUE_SON_DAYS": "3"}, cwd=None)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_columns_and_stages(tmp_path):
    path = write(tmp_path, """
[columns]
owner = "Rep"
confirmed_on = "Close Date"
status = "Pipeline status"

[rules]
holidays = [2026-12-24, "2026-12-31"]

[[stages]]
label = "Negotiating"
aliases = ["haggling"]
idle_days = 0

[[stages]]
label = "Demo"
order = 3
date_column = "Demo on"
idle_days = 5
""")
    config = load_config(path, environ={})
    fields = {f.key: f for f in config.fields}
    assert fields["owner"].header == "Rep" and "Owner" in fields["owner"].aliases
    assert config.fields[0].key in ("owner", "confirmed_on")  # configured headers win
    assert config.status_columns["status"] == "Pipeline status"
    assert config.rules.holidays == frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 31)})
    proposal = config.stages.match("haggling")
    assert proposal.key == "proposal" and proposal.label == "Negotiating" and proposal.idle_days is None
    demo = config.stages.match("demo")
    assert demo.order == 3 and demo.idle_days == 5 and demo.date_field == "custom_demoon"
    assert "custom_demoon" in fields


def test_new_stage_needs_order(tmp_path):
    path = write(tmp_path, '[[stages]]\nlabel = "Pitching"\n')
    with pytest.raises(ConfigError, match="needs an order"):
        load_config(path, environ={})
