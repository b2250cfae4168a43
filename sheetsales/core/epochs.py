"""Epoch timestamps in date columns (API exports write dates as seconds or milliseconds
since 1970): which columns prove they hold them, and the date each one is. A number is read
so only when its whole column proves it; a column mixing epochs with text dates cannot be
read safely and is refused (`mixed_refusal`)."""

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

from .dates import plural

# Epoch timestamps a date column may hold (API exports): 2000-01-01 up to 2100-01-01, in
# seconds or milliseconds. Excel serial days stop at 2,958,465, far below either range.
EPOCH_RANGES = {"s": (946_684_800, 4_102_444_800), "ms": (946_684_800_000, 4_102_444_800_000)}
_WHOLE = re.compile(r"^\d{9,13}(?:\.\d+)?$")


def _whole_number(value) -> int | None:
    """The whole part of a number or of text holding one; fractions of a second are kept
    by some exports and do not matter to a date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return int(value)
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        return int(float(value))
    return None


def epoch_unit(values) -> str | None:
    """"s" or "ms" when every filled value of a column is a number in that unit's
    plausible range (EPOCH_RANGES), so the column proves it holds epoch timestamps; else
    None. Blank values (None, "") are skipped; a column with none filled proves nothing."""
    unit, seen = None, False
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        number = _whole_number(value)
        if number is None:
            return None
        fits = next((u for u, (low, high) in EPOCH_RANGES.items() if low <= number < high),
                    None)
        if fits is None or (unit is not None and fits != unit):
            return None
        unit, seen = fits, True
    return unit if seen else None


def looks_like_epoch(value) -> str | None:
    """The unit one value would have as an epoch timestamp, for messages; None if none."""
    number = _whole_number(value)
    return None if number is None else epoch_unit([number])


def from_epoch(value, unit: str, time_zone: str = "UTC") -> dt.date:
    """The date in `time_zone` of an epoch timestamp in seconds ("s") or milliseconds."""
    seconds = int(float(value)) / (1000 if unit == "ms" else 1)
    return dt.datetime.fromtimestamp(seconds, ZoneInfo(time_zone)).date()


def epoch_note(value) -> str:
    """What a DAT001 message adds for a value that would be an epoch timestamp."""
    unit = looks_like_epoch(value)
    if unit is None:
        return ""
    name = "seconds" if unit == "s" else "milliseconds"
    return (f" (it would be epoch {name}, but other cells of its column are not, so the "
            "column does not prove it)")


def mixed_refusal(where: str, header: str, epochs: list[tuple[str, object]],
                  dates: list[tuple[str, object]]) -> str:
    """The one sentence refusing a date column that mixes epoch timestamps with text dates
    (`epochs` and `dates` as (cell, value), the first of each is named): either reading of
    it would be a guess."""
    (e_cell, e_value), (d_cell, d_value) = epochs[0], dates[0]
    unit = "seconds" if looks_like_epoch(e_value) == "s" else "milliseconds"
    count = plural(len(epochs), "cell")
    return (f"{where} column {header!r} mixes epoch timestamps ({count} such as {e_cell}: "
            f"{e_value}, epoch {unit}) with text dates (such as {d_cell}: "
            f"{d_value!s}), so no date in it can be read safely; export the column in one "
            "form (all dates, or all epoch numbers), or map another column in [columns]")
