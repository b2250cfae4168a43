"""dates: turn text dates in date columns into real date cells. ISO dates, unambiguous day- or
month-first dates and month names in several languages always convert; a date whose day and
month could swap (04/07/2026) converts only with `date_order` set or its column proving the
order (understand/dates.py); impossible dates (30/02/2026) and text that is no date are
reported and left alone. A cleaned date keeps the column's own format (20/10/2016 stays day
first with slashes): as text for a source without date cells (CSV), else as a real date cell
that carries the matching number format (cells.ShownDate) for a column with no date cells of
its own to take one from; with no format shared by most of the column, ISO."""

import datetime as dt
import re

from ..core.cells import ShownDate
from ..core.dates import MONTH_NAMES, parse_text_date
from ..core.epochs import looks_like_epoch, mixed_refusal
from ..core.errors import SourceError
from ..core.fields import DATE
from ..understand.dates import DMY, column_order
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


_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")


def column_format(texts, order: str | None):
    """The numeric format most of a column's text dates share, as (order, separator), when
    its order is known ("DMY", "/"); None (write ISO) otherwise."""
    if order not in ("DMY", "MDY"):
        return None
    shapes: dict = {}
    for text in texts:
        if m := _NUMERIC.match(text):
            shapes[m[2]] = shapes.get(m[2], 0) + 1
    if not shapes or sum(shapes.values()) * 2 <= len(texts):  # a strict majority
        return None
    return order, max(shapes, key=shapes.get)


def write_date(day: dt.date, shape) -> str:
    if shape is None:
        return day.isoformat()
    order, sep = shape
    first, second = (day.day, day.month) if order == DMY else (day.month, day.day)
    return f"{first:02d}{sep}{second:02d}{sep}{day.year}"


def number_format(shape) -> str | None:
    """The spreadsheet number format showing dates as `shape` does: ("DMY", ".") ->
    dd.mm.yyyy; None for none."""
    if shape is None:
        return None
    order, sep = shape
    return sep.join(("dd", "mm") if order == DMY else ("mm", "dd")) + sep + "yyyy"


def clean_dates(table: Table, config, options: CleanOptions) -> Step:
    """Convert each readable text date to a date cell (text in the column's own format for a
    source without date cells, such as CSV)."""
    typed = table.serial_dates if options.typed_dates is None else options.typed_dates
    step = Step()
    for col in date_columns(table, config):
        refuse_mixed(table, col, config)
        texts: dict[str, int] = {}
        for row in table.deals:
            value = table.get(row, col)
            if isinstance(value, str) and value.strip():
                texts.setdefault(value.strip(), row)
        order = config.rules.date_order or column_order(
            str(col), ((r, t) for t, r in texts.items())).order
        shape = column_format(texts, order)
        shown = number_format(shape) if typed else None
        parsed: dict[str, dt.date | None] = {}  # the same text dates recur down a column
        for row in table.deals:
            value = table.get(row, col)
            if not isinstance(value, str) or not value.strip():
                continue  # real dates, numbers (serial days) and blanks are not text dates
            text = value.strip()
            if text not in parsed:
                parsed[text] = parse_text_date(text, order, config.rules.time_zone).date
            found = parsed[text]
            if found is None:
                step.skipped.append(Skipped(table.ref(row, col), value,
                                            why_not(text, order), KIND))
            elif typed:
                step.edits[row, col] = ShownDate(found, shown) if shown else found
            elif value != write_date(found, shape):
                step.edits[row, col] = write_date(found, shape)
    return step


def refuse_mixed(table: Table, col: int, config) -> None:
    """SourceError, as `check` gives (rules/check.py), when the date column `col` holds epoch
    timestamps beside text dates: cleaning either kind would write a guess."""
    values = [(table.cell(row, col), table.get(row, col)) for row in table.deals]
    epochs = [(cell, value) for cell, value in values if looks_like_epoch(value)]
    if not epochs:  # the usual date column: no text of it need be read twice
        return
    orders = [config.rules.date_order] if config.rules.date_order else ["DMY", "MDY"]
    dates = [(cell, value) for cell, value in values if isinstance(value, str)
             and not looks_like_epoch(value)
             and any(as_date(value, order) is not None for order in orders)]
    if dates:
        raise SourceError(mixed_refusal(f"the sheet {table.title!r}", table.headers[col],
                                        epochs, dates))


def as_date(value, date_order: str | None) -> dt.date | None:
    """A date from a cell that holds one, or text that clearly names one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_text_date(value, date_order).date
    return None
