"""What each key of sheetsales.toml accepts: one validator per key, each returning the
cleaned value or raising ValueError with what is expected."""

import datetime as dt
import difflib
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .dates import DATE_ORDERS
from .fields import DEFAULT_FIELDS

STATUS_COLUMNS = {"status": "Status", "flags": "Flags", "next_action": "Next action",
                  "next_action_due": "Next action due"}


def nearest(key, valid) -> str:
    """"; did you mean 'x'?" for the closest valid key, else the list of valid keys."""
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else f"; valid keys: {', '.join(sorted(valid))}"

# section -> key -> validator; a validator returns the cleaned value or raises ValueError
_INT = "a whole number of 0 or more"


def _int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(_INT)
    return value


def _at_least_one(value):
    if _int(value) < 1:
        raise ValueError("a whole number of 1 or more")
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
    import holidays  # only a config naming a country pays for the holidays package

    if _str(value).upper() not in holidays.list_supported_countries():
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
    from ..rules import RULE_CODES
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
             "timeout": _int, "deadline": _int}


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
                             f"{nearest(key, SMTP_KEYS)}")
        try:
            clean[key] = SMTP_KEYS[key](item)
        except ValueError as exc:
            raise ValueError(f"a table whose {key} is {exc}") from None
    if "host" not in clean:
        raise ValueError('a table with a host, e.g. host = "smtp.example.com"')
    if clean.get("ssl") and clean.get("starttls"):
        raise ValueError("a table with ssl = true or starttls = true, not both")
    return clean


def _percent_words(value):
    expected = 'a table of word = percent, e.g. { Low = 20, Medium = 50, High = 80 }'
    if not isinstance(value, dict) or not value:
        raise ValueError(expected)
    for word, percent in value.items():
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) \
                or not 0 <= percent <= 100 or not word.strip():
            raise ValueError(f"{expected}; {word!r} = {percent!r} is not a percent 0-100")
    return {word.strip(): float(percent) for word, percent in value.items()}


STATUS_COLOURS = {"overdue": "red", "invalid": "red", "due_today": "amber", "due_soon": "amber",
                  "idle": "amber", "check": "amber", "ok": "green", "closed": "grey",
                  "snoozed": "grey"}
# colour name -> (font, fill), RRGGBB: Excel's own "Light red fill with dark red text" family
COLOURS = {"red": ("9C0006", "FFC7CE"), "amber": ("9C5700", "FFEB9C"),
           "green": ("006100", "C6EFCE"), "grey": ("3F3F3F", "E7E6E6"),
           "blue": ("1F4E78", "DDEBF7")}
# Stage defaults of the weighted forecast, in percent (SPEC section 10: [probability])
STAGE_PROBABILITY = {"Lead": 5, "Contacted": 10, "Discovery": 20, "Proposal": 50, "Won": 100,
                     "Delivered": 100, "Followed up": 100, "Lost": 0}


def _colour(value):
    if not isinstance(value, str) or value.lower() not in (*COLOURS, "none"):
        raise ValueError(f"one of {', '.join(COLOURS)} or none")
    return value.lower()


def _percentages(value):
    if not isinstance(value, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100
            for v in value.values()):
        raise ValueError('a table of stage = percent from 0 to 100, e.g. { Proposal = 40 }')
    return {str(k): float(v) for k, v in value.items()}


def _months(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24:
        raise ValueError("a whole number of months from 1 to 24")
    return value


def _sheet_title(value):
    text = _str(value)
    if len(text) > 31 or set(text) & set("[]:*?/\\"):
        raise ValueError("a sheet name of at most 31 characters without [ ] : * ? / \\")
    return text


SCHEMA = {
    "source": {"path": _str, "sheet": _str, "sheets": _strings, "header_row": _int},
    "columns": {**{f.key: _str for f in DEFAULT_FIELDS}, **{k: _str for k in STATUS_COLUMNS}},
    "rules": {"due_soon_days": _int, "follow_up_days": _int,
              "forecast_grace_days": _int, "business_days": _bool,
              "country": _country, "holidays": _holiday_dates, "time_zone": _time_zone,
              "date_order": _date_order, "disabled": _rule_codes},
    "reminders": {"outbox": _str, "sender": _email, "owners": _owners, "smtp": _smtp,
                  "resend_every_days": _int, "manager": _email, "escalate_after_days": _int,
                  "templates": _str},
    "schedule": {"at": _time_of_day, "sources": _strings, "log_file": _str,
                 "retry_minutes": _int, "run_deadline_minutes": _int,
                 "alert": _email, "alert_after_nights": _at_least_one},
    "history": {"database": _str, "backups": _int},
    "colours": {key: _colour for key in STATUS_COLOURS},
    "summary": {"sheet": _bool, "sheet_name": _sheet_title, "months": _months,
                "charts": _bool},
    "probability": {"words": _percent_words, "stages": _percentages},
}
STAGE_KEYS = {"label": _str, "aliases": _strings, "date_column": _str, "required": _strings,
              "idle_days": _int, "next_action": _str, "order": _int}


def takes_whole_number(section: str, key: str) -> bool:
    """Whether [section] key is a whole number (an environment variable's text is one)."""
    return SCHEMA[section][key] is _int
