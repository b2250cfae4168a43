"""dates: turn text dates in date columns into real date cells. ISO dates, unambiguous day- or
month-first dates and month names in several languages always convert; a date whose day and
month could swap (04/07/2026) converts only with `date_order` set; impossible dates
(30/02/2026) and text that is no date are reported and left alone."""

import datetime as dt
import re

from ..core.dates import MONTH_NAMES, parse_text_date
from ..core.fields import DATE
from .base import CleanOptions, Skipped, Step, Table

KIND = "dates"

_DATE_SHAPE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}\b")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_YEAR = re.compile(r"\b\d{4}\b")


def date_columns(table: Table, config) -> list[int]:
    kinds = {f.key: f.kind for f in config.fields}
    return sorted(i for key, i in table.columns.items() if kinds.get(key) == DATE)


def looks_like_date(text: str) -> bool:
    """Whether unparseable text has the shape of a date (so no such day exists), rather than
    being something else (a note, "ASAP")."""
    if _DATE_SHAPE.match(text):
        return True
    return bool(_YEAR.search(text)) and any(w.lower() in MONTH_NAMES for w in _WORD.findall(text))


def why_not(text: str, date_order: str | None) -> str:
    parsed = parse_text_date(text, date_order)
    if parsed.problem == "ambiguous":
        dmy, mdy = parse_text_date(text, "DMY").date, parse_text_date(text, "MDY").date
        return (f"ambiguous date ({dmy.isoformat()} day first or {mdy.isoformat()} month "
                "first); set date_order = \"DMY\" or \"MDY\" under [rules]")
    if looks_like_date(text):
        return "impossible date: no such day; correct it by hand"
    return "not a date; correct it by hand or move it to Notes"


def clean_dates(table: Table, config, options: CleanOptions) -> Step:
    """Convert each readable text date to a date cell (ISO text for a source without date
    cells, such as CSV, where ISO text is already the clean form)."""
    typed = table.serial_dates if options.typed_dates is None else options.typed_dates
    date_order = config.rules.date_order
    step = Step()
    columns = date_columns(table, config)
    parsed: dict[str, dt.date | None] = {}  # the same text dates recur down a column
    for row in table.deals:
        for col in columns:
            value = table.get(row, col)
            if not isinstance(value, str) or not value.strip():
                continue  # real dates, numbers (serial days) and blanks are not text dates
            text = value.strip()
            if text not in parsed:
                parsed[text] = parse_text_date(text, date_order, config.rules.time_zone).date
            found = parsed[text]
            if found is None:
                step.skipped.append(Skipped(table.ref(row, col), value,
                                            why_not(text, date_order), KIND))
            elif typed:
                step.edits[row, col] = found
            elif value != found.isoformat():
                step.edits[row, col] = found.isoformat()
    return step


def as_date(value, date_order: str | None) -> dt.date | None:
    """A date from a cell that holds one, or text that clearly names one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_text_date(value, date_order).date
    return None
