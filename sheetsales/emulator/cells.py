"""One cell: what is stored, how USER_ENTERED text is parsed, how a value is rendered.

Longer than 300 lines because parsing USER_ENTERED text and rendering values are the two
halves of one cell model, kept side by side so they agree.

The locale is en_US (the API default for a new spreadsheet): ``3/4/2026`` is March 4th, dates
are serial numbers counted from 1899-12-30, and a number with no number format renders in
Sheets' automatic format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

EPOCH = dt.datetime(1899, 12, 30)
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")
DEFAULT_PATTERNS = {
    "DATE": "M/d/yyyy",
    "TIME": "h:mm:ss am/pm",
    "DATE_TIME": "M/d/yyyy H:mm:ss",
    "NUMBER": "#,##0.00",
    "PERCENT": "0.00%",
    "CURRENCY": "$#,##0.00",
    "SCIENTIFIC": "0.00E+00",
}


class CellError(str):
    """A formula error value such as ``#DIV/0!``; renders as its code everywhere."""


@dataclass
class Cell:
    """What the emulator stores for one cell. ``value`` is None for an empty cell."""

    value: str | float | int | bool | None = None
    formula: str | None = None
    fmt: dict = field(default_factory=dict)  # userEnteredFormat
    note: str | None = None

    @property
    def number_format(self) -> dict | None:
        return self.fmt.get("numberFormat")

    def is_blank(self) -> bool:
        return self.value is None and self.formula is None

    def is_unused(self) -> bool:
        return self.is_blank() and not self.fmt and self.note is None


# ---- USER_ENTERED parsing -----------------------------------------------------------------

_NUMBER = re.compile(r"([+-]?)(\$?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?(%?)")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?"
_DATE_FORMS = [
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd", "yyyy-mm-dd"),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), "ymd", "yyyy/mm/dd"),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})"), "mdy", "M/d/yyyy"),
    (re.compile(r"(\d{1,2})/(\d{1,2})"), "md", "M/d/yyyy"),
    (re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})"), "Mdy", "mmm d, yyyy"),
    (re.compile(r"(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})"), "dMy", "d mmm yyyy"),
]


def parse_user_entered(raw, today: dt.date, current: Cell | None = None) -> tuple:
    """What Sheets stores for a USER_ENTERED input: (value, formula, auto number format or None).

    A cell already formatted as plain text keeps strings as typed, as the Sheets UI does.
    """
    if raw is None or isinstance(raw, (bool, int, float)):
        return raw, None, None
    text = str(raw)
    if current is not None and (current.number_format or {}).get("type") == "TEXT":
        return (text or None), None, None
    if text.startswith("'"):
        return (text[1:] or None), None, None
    if text.startswith("=") and len(text) > 1:
        return None, text, None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE", None, None
    number = _parse_number(stripped)
    if number is not None:
        return number
    when = _parse_datetime(stripped, today)
    if when is not None:
        return when
    return (text or None), None, None


def _parse_number(text: str):
    match = _NUMBER.fullmatch(text)
    if not match:
        return None
    sign, dollar, digits, exponent, percent = match.groups()
    value = float(digits.replace(",", "")) * (10 ** int(exponent) if exponent else 1)
    if percent:
        value /= 100
    if sign == "-":
        value = -value
    value = int(value) if value.is_integer() and abs(value) < 2**53 else value
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    tail = "." + "0" * decimals if decimals else ""
    if dollar:
        return value, None, {"type": "CURRENCY", "pattern": "$#,##0" + (tail or ".00")}
    if percent:
        return value, None, {"type": "PERCENT", "pattern": "0" + tail + "%"}
    if exponent:
        return value, None, {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    if "," in digits:
        return value, None, {"type": "NUMBER", "pattern": "#,##0" + tail}
    return value, None, None


def _parse_datetime(text: str, today: dt.date):
    time_only = re.fullmatch(_TIME, text)
    if time_only:
        seconds = _seconds(*time_only.groups())
        if seconds is None:
            return None
        pattern = "h:mm:ss am/pm" if time_only.group(4) else "H:mm:ss"
        return _number(seconds / 86400), None, {"type": "TIME", "pattern": pattern}
    date_text, _, time_text = text.partition(" ")
    for candidate, rest in ((text, ""), (date_text, time_text)):
        for regex, order, pattern in _DATE_FORMS:
            match = regex.fullmatch(candidate)
            if not match:
                continue
            day = _make_date(order, match.groups(), today)
            if day is None:
                return None
            serial = (dt.datetime.combine(day, dt.time()) - EPOCH).days
            if not rest:
                return serial, None, {"type": "DATE", "pattern": pattern}
            clock = re.fullmatch(_TIME, rest)
            seconds = _seconds(*clock.groups()) if clock else None
            if seconds is None:
                return None
            return _number(serial + seconds / 86400), None, {"type": "DATE_TIME", "pattern": pattern + " H:mm:ss"}
    return None


def _make_date(order: str, parts: tuple, today: dt.date) -> dt.date | None:
    try:
        if order == "ymd":
            year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
        elif order in ("mdy", "md"):
            month, day = int(parts[0]), int(parts[1])
            year = int(parts[2]) if order == "mdy" else today.year
            if order == "mdy" and len(parts[2]) == 2:
                year += 2000 if year < 30 else 1900
        else:
            name, day, year = (parts[0], parts[1], parts[2]) if order == "Mdy" else (parts[1], parts[0], parts[2])
            month = _MONTHS.get(name[:3].lower())
            full = ["january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december"]
            if month is None or (len(name) > 3 and name.lower() != full[month - 1] and name.lower() != "sept"):
                return None
            day, year = int(day), int(year)
        return dt.date(year, month, day)
    except ValueError:
        return None


def _seconds(hours, minutes, seconds, meridiem) -> int | None:
    hours, minutes, seconds = int(hours), int(minutes), int(seconds or 0)
    if meridiem:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


def _number(value: float):
    return int(value) if float(value).is_integer() else value


def serial_to_datetime(serial: float) -> dt.datetime:
    """A Sheets serial number as a naive datetime (rounded to the second)."""
    return EPOCH + dt.timedelta(seconds=round(serial * 86400))


def date_to_serial(day: dt.date) -> int:
    """A date as a Sheets serial number."""
    return (dt.datetime.combine(day, dt.time()) - EPOCH).days


# ---- rendering ----------------------------------------------------------------------------

def render(value, number_format: dict | None, value_render: str, date_render: str):
    """A cell value as valueRenderOption / dateTimeRenderOption ask; None for an empty cell."""
    if value is None or isinstance(value, CellError):
        return value
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if value_render == "FORMATTED_VALUE" else value
    if isinstance(value, str):
        return value
    if value_render == "FORMATTED_VALUE":
        return format_number(value, number_format)
    kind = (number_format or {}).get("type")
    if date_render == "FORMATTED_STRING" and kind in DATE_TYPES:
        return format_number(value, number_format)
    return json_number(value)


def json_number(value):
    """Integral floats are sent as integers, as the API's JSON does (``2`` not ``2.0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_number(value: float, number_format: dict | None) -> str:
    """The text Sheets shows for a number under a numberFormat (None = automatic)."""
    kind = (number_format or {}).get("type")
    if kind is None or kind == "TEXT":
        return _general(value)
    pattern = (number_format or {}).get("pattern") or DEFAULT_PATTERNS.get(kind, "General")
    if kind in DATE_TYPES or (re.search(r"[yd]", _unquoted(pattern)) and kind != "NUMBER"):
        return format_datetime(value, pattern)
    return format_with_pattern(value, pattern)


def _general(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if value != 0 and (abs(value) >= 1e15 or abs(value) < 1e-9):
        return _scientific(value, 2)
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _unquoted(pattern: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", pattern)


_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|am/pm|AM/PM|a/p|A/P|y+|m+|d+|h+|s+|\.0+|.', re.IGNORECASE)
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def format_datetime(serial: float, pattern: str) -> str:
    """Render a serial number with a Sheets date/time pattern (``yyyy-mm-dd``, ``h:mm am/pm``)."""
    when = serial_to_datetime(serial)
    tokens = _DATE_TOKEN.findall(pattern)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out = []
    for i, token in enumerate(tokens):
        low = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif low.startswith("y"):
            out.append(str(when.year)[-2:] if len(low) <= 2 else str(when.year))
        elif low.startswith("m") and _is_minute(tokens, i):
            out.append(f"{when.minute:02d}" if len(low) == 2 else str(when.minute))
        elif low.startswith("m"):
            out.append({1: str(when.month), 2: f"{when.month:02d}", 3: _MONTH_NAMES[when.month - 1][:3]}
                       .get(len(low), _MONTH_NAMES[when.month - 1]))
        elif low.startswith("d"):
            out.append({1: str(when.day), 2: f"{when.day:02d}", 3: _DAY_NAMES[when.weekday()][:3]}
                       .get(len(low), _DAY_NAMES[when.weekday()]))
        elif low.startswith("h"):
            hour = (when.hour % 12 or 12) if twelve_hour else when.hour
            out.append(f"{hour:02d}" if len(low) == 2 else str(hour))
        elif low.startswith("s"):
            out.append(f"{when.second:02d}" if len(low) == 2 else str(when.second))
        elif low in ("am/pm", "a/p"):
            text = "AM" if when.hour < 12 else "PM"
            out.append(text if low == "am/pm" else text[0])
        elif low.startswith(".0"):
            out.append("." + "0" * (len(low) - 1))
        else:
            out.append(token)
    return "".join(out)


def _is_minute(tokens: list[str], index: int) -> bool:
    """``m`` means minutes right after an hour or right before seconds, else months."""
    def neighbour(step):
        j = index + step
        while 0 <= j < len(tokens):
            low = tokens[j].lower()
            if low[:1] in "ymdhs" and not low.startswith('"'):
                return low[0]
            j += step
        return ""
    return len(tokens[index]) <= 2 and (neighbour(-1) == "h" or neighbour(1) == "s")


def format_with_pattern(value: float, pattern: str) -> str:
    """Render a number with a Sheets number pattern such as ``#,##0.00``, ``0%`` or ``$#,##0``."""
    sections = pattern.split(";")
    section = sections[0]
    sign = "-" if value < 0 else ""
    if value < 0 and len(sections) > 1 and sections[1]:
        section, sign = sections[1], ""
    elif value == 0 and len(sections) > 2 and sections[2]:
        section = sections[2]
    core = re.search(r"[0#?][0#?,]*(?:\.[0#?]*)?(?:[Ee][+-][0#]+)?|\.[0#?]+", section)
    if not core:
        return sign + _literal(section)
    prefix, body, suffix = section[: core.start()], core.group(), section[core.end():]
    number = abs(value) * (100 if "%" in _unquoted(prefix + suffix) else 1)
    mantissa, marker, _ = body.upper().partition("E")
    if marker:
        text = _scientific(number, mantissa.partition(".")[2].count("0"))
    else:
        text = _fixed(number, mantissa)
    return sign + _literal(prefix) + text + _literal(suffix)


def _fixed(number: float, mantissa: str) -> str:
    int_part, _, dec_part = mantissa.partition(".")
    max_dec = len(dec_part)
    min_dec = dec_part.count("0")
    rounded = f"{number:.{max_dec}f}"
    whole, _, frac = rounded.partition(".")
    frac = frac.rstrip("0").ljust(min_dec, "0")
    min_int = int_part.replace(",", "").count("0")
    whole = whole.lstrip("0").rjust(min_int, "0")
    if "," in int_part and whole:
        whole = f"{int(whole):,}"
    return whole + ("." + frac if frac or (max_dec and min_dec) else "")


def _scientific(number: float, decimals: int) -> str:
    text = f"{number:.{decimals}E}"
    mantissa, exponent = text.split("E")
    return f"{mantissa}E{exponent[0]}{int(exponent[1:]):02d}"


def _literal(text: str) -> str:
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m.group(1) or m.group(2) or "", text)
