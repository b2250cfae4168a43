"""Configuration: built-in defaults < sheetsales.toml < SHEETSALES_* environment < flags.

Unknown keys and bad values are ConfigErrors naming the key, the file and line, and the
nearest valid key."""

import dataclasses
import os
import re
import tomllib
from pathlib import Path

from .config_schema import SCHEMA, STAGE_KEYS, STATUS_COLUMNS, nearest, takes_whole_number
from .errors import ConfigError
from .fields import DATE, DEFAULT_FIELDS, Field
from .settings import (Config, HistorySettings, ProbabilitySettings, ReminderSettings, Rules,
                       ScheduleSettings, SmtpSettings, SourceSettings, SummarySettings)
from .stages import DEFAULT_STAGES, Stage, StageSet, normalize, stage_key

__all__ = ["CONFIG_NAME", "Config", "HistorySettings", "ProbabilitySettings", "ReminderSettings", "Rules",
           "ScheduleSettings", "SmtpSettings", "SourceSettings", "build_config", "find_config",
           "load_config"]

CONFIG_NAME = "sheetsales.toml"


def _where(origin: str, text: str | None, key: str) -> str:
    if text is None:
        return origin
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*\[*\s*{re.escape(key)}\s*[\]=]", line):
            return f"{origin} line {number}"
    return origin


def _validate(raw: dict, origin: str, text: str | None = None) -> dict:
    """Check every section and key of a parsed config; returns cleaned values."""
    clean: dict = {}
    for section, values in raw.items():
        if section == "stages":
            clean["stages"] = _validate_stages(values, origin, text)
            continue
        if section not in SCHEMA:
            raise ConfigError(f"{_where(origin, text, section)}: unknown section [{section}]"
                              f"{nearest(section, [*SCHEMA, 'stages'])}")
        if not isinstance(values, dict):
            raise ConfigError(f"{_where(origin, text, section)}: [{section}] must be a table")
        for key, value in values.items():
            clean.setdefault(section, {})[key] = _check(section, key, value, SCHEMA[section],
                                                        origin, text)
    return clean


def _check(section, key, value, schema, origin, text):
    if key not in schema:
        raise ConfigError(f"{_where(origin, text, key)}: unknown key {key!r} in [{section}]"
                          f"{nearest(key, schema)}")
    try:
        return schema[key](value)
    except ValueError as exc:
        raise ConfigError(f"{_where(origin, text, key)}: {section}.{key} must be {exc}, "
                          f"not {value!r}") from None


def _validate_stages(values, origin, text):
    if not isinstance(values, list):
        raise ConfigError(f"{origin}: stages must be written as [[stages]] tables")
    cleaned = []
    for entry in values:
        if "label" not in entry:
            raise ConfigError(f"{_where(origin, text, 'stages')}: every [[stages]] needs a label")
        cleaned.append({k: _check("stages", k, v, STAGE_KEYS, origin, text)
                        for k, v in entry.items()})
    return cleaned


def _from_env(environ) -> dict:
    """SHEETSALES_<SECTION>_<KEY>=value, e.g. SHEETSALES_RULES_DATE_ORDER=DMY."""
    raw: dict = {}
    for name, value in environ.items():
        if not name.startswith("SHEETSALES_"):
            continue
        rest = name[len("SHEETSALES_"):].lower()
        section = next((s for s in SCHEMA if rest.startswith(s + "_")), None)
        if section is None or section == "columns":
            continue  # other SHEETSALES_* variables (credentials, passwords) are not config
        key = rest[len(section) + 1:]
        if key not in SCHEMA[section]:
            raise ConfigError(f"environment variable {name}: unknown key {key!r} in "
                              f"[{section}]{nearest(key, SCHEMA[section])}")
        if takes_whole_number(section, key):
            value = int(value) if value.isdigit() else value
        raw.setdefault(section, {})[key] = value
    return raw


def find_config(explicit: str | Path | None, cwd: Path) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} not found; check the --config path")
        return path
    candidate = cwd / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: str | Path | None = None, environ=None, overrides: dict | None = None,
                cwd: Path | None = None) -> Config:
    """Defaults, then the file (`path`, else ./sheetsales.toml), then SHEETSALES_* variables,
    then `overrides` ({"rules": {"date_order": "DMY"}, ...} from command-line flags)."""
    environ = os.environ if environ is None else environ
    found = find_config(path, cwd or Path.cwd())
    merged: dict = {}
    if found:
        text = found.read_text(encoding="utf-8")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{found}: not valid TOML ({exc}); fix the syntax there") from None
        _merge(merged, _validate(raw, str(found), text))
    _merge(merged, _validate(_from_env(environ), "environment"))
    _merge(merged, _validate(overrides or {}, "command line"))
    return build_config(merged, found)


def _merge(into: dict, new: dict) -> None:
    for section, values in new.items():
        if isinstance(values, dict):
            into.setdefault(section, {}).update(values)
        else:
            into[section] = values


def build_config(values: dict, path: Path | None = None) -> Config:
    """A Config from validated values (see SCHEMA)."""
    columns = values.get("columns", {})
    fields = _configured_fields(columns)
    fields, stages = _configured_stages(values.get("stages", []), fields)
    rules = values.get("rules", {})
    reminders = dict(values.get("reminders", {}))
    if "smtp" in reminders:
        reminders["smtp"] = SmtpSettings(**reminders["smtp"])
    schedule = dict(values.get("schedule", {}))
    if "sources" in schedule:
        schedule["sources"] = tuple(schedule["sources"])
    source = dict(values.get("source", {}))
    if "sheets" in source:
        source["sheets"] = tuple(source["sheets"])
    return Config(
        path=path,
        source=SourceSettings(**source),
        fields=fields,
        stages=StageSet(tuple(stages)),
        rules=Rules(**{**rules, "disabled": tuple(rules.get("disabled", ()))}),
        status_columns={k: columns.get(k, v) for k, v in STATUS_COLUMNS.items()},
        reminders=ReminderSettings(**reminders),
        schedule=ScheduleSettings(**schedule),
        history=HistorySettings(**values.get("history", {})),
        probability=ProbabilitySettings(**values.get("probability", {})),
        colours=dict(values.get("colours", {})),
        summary=SummarySettings(**values.get("summary", {})),
    )


def _configured_fields(columns: dict) -> tuple[Field, ...]:
    """Configured headers come first so they win over other fields' aliases ("Close Date")."""
    configured = []
    named: dict[str, str] = {}  # normalised header -> the field configured with it
    for f in DEFAULT_FIELDS:
        if f.key in columns:
            other = named.setdefault(normalize(columns[f.key]), f.key)
            if other != f.key:
                raise ConfigError(f"[columns] {other} = {columns[other]!r} and {f.key} = "
                                  f"{columns[f.key]!r} name the same column once case, "
                                  "spacing, punctuation and accents are ignored; give each "
                                  "field its own column")
            f = dataclasses.replace(f, header=columns[f.key], aliases=(f.header, *f.aliases))
            configured.append(f)
    rest = [f for f in DEFAULT_FIELDS if f.key not in columns]
    return (*configured, *rest)


def _field_for(header: str, fields: list[Field]) -> Field:
    for f in fields:
        if normalize(header) in {normalize(n) for n in (f.header, *f.aliases, f.key)}:
            return f
    new = Field("custom_" + normalize(header), header, DATE)
    fields.append(new)
    return new


def _configured_stages(entries: list[dict], fields) -> tuple[tuple[Field, ...], list[Stage]]:
    """The default stages changed and extended by [[stages]]. A label or alias the config
    gives wins over a built-in alias of another stage; two that the config gives to two
    stages, or two entries naming one stage, are a ConfigError naming both."""
    fields = list(fields)
    stages = list(DEFAULT_STAGES)
    lookup = StageSet(tuple(stages))
    claims: dict[str, tuple[str, str]] = {}  # key -> (the config's text, the stage key)
    entry_of: dict[str, str] = {}  # stage key -> the [[stages]] label that configures it
    for entry in entries:
        existing = lookup.match(entry["label"])
        changes = {}
        if "date_column" in entry:
            changes["date_field"] = _field_for(entry["date_column"], fields).key
        if "required" in entry:
            changes["required"] = tuple(_field_for(r, fields).key for r in entry["required"])
        for key, attr in (("aliases", "aliases"), ("idle_days", "idle_days"),
                          ("next_action", "next_action"), ("order", "order")):
            if key in entry:
                changes[attr] = tuple(entry[key]) if key == "aliases" else entry[key]
        if "idle_days" in changes and changes["idle_days"] == 0:
            changes["idle_days"] = None
        if existing:
            stage = dataclasses.replace(existing, label=entry["label"], **changes)
            stages[stages.index(existing)] = stage
        else:
            if "order" not in entry:
                raise ConfigError(f"stage {entry['label']!r} is new, so it needs an order "
                                  "(where it sits among steps 2-7, e.g. order = 4)")
            stage = Stage(normalize(entry["label"]), entry["label"],
                          next_action=changes.pop("next_action", "Move to the next stage"),
                          date_field=changes.pop("date_field", None),
                          **{k: v for k, v in changes.items()})
            stages.append(stage)
        if stage.key in entry_of:
            raise ConfigError(f"[[stages]] {entry_of[stage.key]!r} and {entry['label']!r} both "
                              f"configure the stage {existing.label if existing else stage.label};"
                              " merge them into one [[stages]] with aliases")
        entry_of[stage.key] = entry["label"]
        _claim(claims, stage, (entry["label"], *entry.get("aliases", ())))
    return tuple(fields), _without_claimed_aliases(stages, claims)


def _claim(claims: dict, stage: Stage, names) -> None:
    for name in names:
        key = stage_key(name)
        if not key:
            raise ConfigError(f"stage label or alias {name!r} has no letter or digit; "
                              "give it a name")
        text, owner = claims.setdefault(key, (name, stage.key))
        if owner != stage.key:
            raise ConfigError(f"stage aliases {text!r} and {name!r} read as the same label "
                              "once case, spacing, punctuation and accents are ignored, but "
                              "they are given to two stages; keep one of them")


def _without_claimed_aliases(stages: list[Stage], claims: dict) -> list[Stage]:
    """Each stage without the built-in aliases that the config gives to another stage."""
    kept = []
    for stage in stages:
        aliases = tuple(a for a in stage.aliases
                        if claims.get(stage_key(a), (None, stage.key))[1] == stage.key)
        kept.append(dataclasses.replace(stage, aliases=aliases)
                    if aliases != stage.aliases else stage)
    return kept
