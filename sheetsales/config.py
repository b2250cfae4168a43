"""Configuration: built-in defaults < sheetsales.toml < SHEETSALES_* environment < flags.

Unknown keys and bad values are ConfigErrors naming the key, the file and line, and the
nearest valid key."""

import dataclasses
import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from .dates import DATE_ORDERS, Calendar
from .errors import ConfigError
from .fields import DATE, DEFAULT_FIELDS, Field
from .stages import DEFAULT_STAGES, Stage, StageSet, normalize

CONFIG_NAME = "sheetsales.toml"
REMINDERS_SHEET = "Reminders"  # the sheet sheetsales owns and replaces on every run
STATUS_COLUMNS = {"status": "Status", "flags": "Flags", "next_action": "Next action",
                  "next_action_due": "Next action due"}

# section -> key -> validator; a validator returns the cleaned value or raises ValueError
_INT = "a whole number of 0 or more"


def _int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(_INT)
    return value


def _str(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty text")
    return value


def _bool(value):
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _strings(value):
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of texts")
    return [v.strip() for v in value]


def _date_order(value):
    if not isinstance(value, str) or value.upper() not in DATE_ORDERS:
        raise ValueError(f"one of {', '.join(DATE_ORDERS)}")
    return value.upper()


def _time_zone(value):
    try:
        ZoneInfo(_str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as \"Europe/Paris\"") from None
    return value


def _country(value):
    if _str(value).upper() not in holidays_lib.list_supported_countries():
        raise ValueError("a country code the holidays package knows, such as \"US\" or \"FR\"")
    return value.upper()


def _holiday_dates(value):
    if not isinstance(value, list):
        raise ValueError("a list of dates such as [2026-12-24]")
    days = []
    for item in value:
        if isinstance(item, str):
            try:
                item = dt.date.fromisoformat(item)
            except ValueError:
                raise ValueError("a list of dates such as [2026-12-24]") from None
        if not isinstance(item, dt.date):
            raise ValueError("a list of dates such as [2026-12-24]")
        days.append(item if not isinstance(item, dt.datetime) else item.date())
    return frozenset(days)


def _rule_codes(value):
    from .rules import RULE_CODES
    codes = [c.upper() for c in _strings(value)]
    for code in codes:
        if code not in RULE_CODES:
            near = difflib.get_close_matches(code, RULE_CODES, n=1)
            hint = f"did you mean {near[0]}?" if near else "see docs/rules.md"
            raise ValueError(f"rule codes; {code!r} is not one ({hint})")
    return codes


def _table(value):
    if not isinstance(value, dict):
        raise ValueError("a table")
    return value


def _time_of_day(value):
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError('a time of day such as "07:00"')
    return value


def _email(value):
    from email.utils import parseaddr
    text = _str(value).strip()
    name, address = parseaddr(text)
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address or ""):
        raise ValueError('an e-mail address such as "ana@example.com"')
    return text


def _owners(value):
    if not isinstance(value, dict) or not value:
        raise ValueError('a table of owner = "e-mail address", e.g. Ana = "ana@example.com"')
    owners = {}
    for owner, address in value.items():
        try:
            owners[owner] = _email(address)
        except ValueError:
            raise ValueError(f'e-mail addresses; the one for {owner!r} is not '
                             '(write Ana = "ana@example.com")') from None
    return owners


def _port(value):
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError("a port number from 1 to 65535")
    return value


SMTP_KEYS = {"host": _str, "port": _port, "starttls": _bool, "ssl": _bool, "user": _str,
             "timeout": _int}


def _smtp(value):
    if not isinstance(value, dict):
        raise ValueError("a table with host, port, starttls or ssl, and user")
    if "password" in value:
        raise ValueError("a table without the password (set the environment variable "
                         "SHEETSALES_SMTP_PASSWORD instead)")
    clean = {}
    for key, item in value.items():
        if key not in SMTP_KEYS:
            raise ValueError(f"a table of {', '.join(SMTP_KEYS)}; {key!r} is not one"
                             f"{_nearest(key, SMTP_KEYS)}")
        try:
            clean[key] = SMTP_KEYS[key](item)
        except ValueError as exc:
            raise ValueError(f"a table whose {key} is {exc}") from None
    if "host" not in clean:
        raise ValueError('a table with a host, e.g. host = "smtp.example.com"')
    if clean.get("ssl") and clean.get("starttls"):
        raise ValueError("a table with ssl = true or starttls = true, not both")
    return clean


SCHEMA = {
    "source": {"path": _str, "sheet": _str, "header_row": _int},
    "columns": {**{f.key: _str for f in DEFAULT_FIELDS}, **{k: _str for k in STATUS_COLUMNS}},
    "rules": {"due_soon_days": _int, "follow_up_days": _int, "business_days": _bool,
              "country": _country, "holidays": _holiday_dates, "time_zone": _time_zone,
              "date_order": _date_order, "disabled": _rule_codes},
    "reminders": {"outbox": _str, "sender": _email, "owners": _owners, "smtp": _smtp,
                  "resend_every_days": _int, "manager": _email, "escalate_after_days": _int},
    "schedule": {"at": _time_of_day, "sources": _strings, "log_file": _str},
    "history": {"database": _str, "backups": _int},
}
STAGE_KEYS = {"label": _str, "aliases": _strings, "date_column": _str, "required": _strings,
              "idle_days": _int, "next_action": _str, "order": _int}


@dataclass(frozen=True)
class Rules:
    due_soon_days: int = 3
    follow_up_days: int = 7
    business_days: bool = False
    country: str | None = None
    holidays: frozenset = frozenset()
    time_zone: str = "UTC"
    date_order: str | None = None
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """Everything a check or run needs to know besides the source and today."""

    path: Path | None = None
    source: dict = field(default_factory=dict)
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    stages: StageSet = field(default_factory=StageSet)
    rules: Rules = Rules()
    status_columns: dict = field(default_factory=lambda: dict(STATUS_COLUMNS))
    reminders: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)

    @property
    def calendar(self) -> Calendar:
        r = self.rules
        return Calendar(r.business_days, r.country, r.holidays)

    @property
    def base_dir(self) -> Path | None:
        return self.path.parent if self.path else None


def _nearest(key, valid) -> str:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else f"; valid keys: {', '.join(sorted(valid))}"


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
                              f"{_nearest(section, [*SCHEMA, 'stages'])}")
        if not isinstance(values, dict):
            raise ConfigError(f"{_where(origin, text, section)}: [{section}] must be a table")
        for key, value in values.items():
            clean.setdefault(section, {})[key] = _check(section, key, value, SCHEMA[section],
                                                        origin, text)
    return clean


def _check(section, key, value, schema, origin, text):
    if key not in schema:
        raise ConfigError(f"{_where(origin, text, key)}: unknown key {key!r} in [{section}]"
                          f"{_nearest(key, schema)}")
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
                              f"[{section}]{_nearest(key, SCHEMA[section])}")
        if SCHEMA[section][key] is _int:
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
    return Config(
        path=path,
        source=values.get("source", {}),
        fields=fields,
        stages=StageSet(tuple(stages)),
        rules=Rules(**{**rules, "disabled": tuple(rules.get("disabled", ()))}),
        status_columns={k: columns.get(k, v) for k, v in STATUS_COLUMNS.items()},
        reminders=values.get("reminders", {}),
        schedule=values.get("schedule", {}),
        history=values.get("history", {}),
    )


def _configured_fields(columns: dict) -> tuple[Field, ...]:
    """Configured headers come first so they win over other fields' aliases ("Close Date")."""
    configured = []
    for f in DEFAULT_FIELDS:
        if f.key in columns:
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
    fields = list(fields)
    stages = list(DEFAULT_STAGES)
    lookup = StageSet(tuple(stages))
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
            stages[stages.index(existing)] = dataclasses.replace(
                existing, label=entry["label"], **changes)
        else:
            if "order" not in entry:
                raise ConfigError(f"stage {entry['label']!r} is new, so it needs an order "
                                  "(where it sits among steps 2-7, e.g. order = 4)")
            stages.append(Stage(normalize(entry["label"]), entry["label"],
                                next_action=changes.pop("next_action", "Move to the next stage"),
                                date_field=changes.pop("date_field", None),
                                **{k: v for k, v in changes.items()}))
    return tuple(fields), stages
