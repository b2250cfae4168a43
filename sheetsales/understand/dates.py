"""Date order from a column's own values: a text date only one order can read (20/10/2016 is
day first, 10/20/2016 month first) proves the column's order, when no value proves the other.
A column with no proof takes the order every proving column of the sheet shares; a column
with proof both ways proves nothing and is reported. A configured date_order always wins."""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.dates import parse_text_date

DMY, MDY = "DMY", "MDY"
EXAMPLES = 3
PROVED, SHEET, CONFIGURED, MIXED, UNPROVED = (
    "proved by its values", "from the sheet's other date columns", "configured", "mixed",
    "no proof")


@dataclass(frozen=True)
class DateOrder:
    """What one date column proves about its order. `day_first` and `month_first` are (row,
    text) examples that only that order reads; `ambiguous` counts the distinct texts either
    order reads differently; `order` is the order its ambiguous dates are read in, if any;
    `how` says why (PROVED, SHEET, CONFIGURED, MIXED or UNPROVED)."""

    field: str
    order: str | None
    how: str
    day_first: tuple[tuple[int, str], ...] = ()
    month_first: tuple[tuple[int, str], ...] = ()
    day_first_count: int = 0
    month_first_count: int = 0
    ambiguous: int = 0

    @property
    def mixed(self) -> bool:
        return self.how == MIXED

    def describe(self) -> str:
        """One line: "day first, proved by 20/10/2016 (row 4)"."""
        name = {DMY: "day first", MDY: "month first"}.get(self.order or "", "unknown order")
        examples = self.day_first if self.order == DMY else self.month_first
        if self.how == PROVED and examples:
            row, text = examples[0]
            return f"{name}, proved by {text} (row {row})"
        if self.how == MIXED:
            return (f"mixed: day first {self.day_first[0][1]} (row {self.day_first[0][0]}), "
                    f"month first {self.month_first[0][1]} (row {self.month_first[0][0]})")
        return f"{name}, {self.how}" if self.order else f"{self.how} ({self.ambiguous} ambiguous)"


_NUMERIC = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})\b")


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def classify(text: str) -> str | None:
    """DMY or MDY when only that order reads `text`, "both" when each reads it as another
    day, None when the order does not matter (ISO, month names, 03/03/2026, not a date)."""
    parsed = parse_text_date(text)
    match = _NUMERIC.match(text)
    if match is None or not (parsed.date or parsed.problem == "ambiguous"):
        return None
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    year += 2000 if len(match[3]) == 2 else 0  # as core.dates reads it
    day_first, month_first = _valid(year, second, first), _valid(year, first, second)
    if day_first and month_first:
        return "both" if first != second else None
    return DMY if day_first else MDY if month_first else None


def column_order(key: str, texts: Iterable[tuple[int, str]]) -> DateOrder:
    """The evidence of one column's distinct text dates, given as (first row, text)."""
    seen = {DMY: [], MDY: [], "both": []}
    for row, text in texts:
        kind = classify(text)
        if kind:
            seen[kind].append((row, text))
    day, month = sorted(seen[DMY]), sorted(seen[MDY])
    common = dict(day_first=tuple(day[:EXAMPLES]), month_first=tuple(month[:EXAMPLES]),
                  day_first_count=len(day), month_first_count=len(month),
                  ambiguous=len(seen["both"]))
    if day and month:
        return DateOrder(key, None, MIXED, **common)
    if day or month:
        return DateOrder(key, DMY if day else MDY, PROVED, **common)
    return DateOrder(key, None, UNPROVED, **common)


def sheet_orders(texts_by_key: dict[str, dict[str, int]], configured: str | None = None
                 ) -> dict[str, DateOrder]:
    """Each text-date column's DateOrder (field -> {text: first row}); a column with no
    proof takes the order all proving columns share. With `configured`, every column is
    read in it (the evidence is still recorded)."""
    found = {key: column_order(key, ((row, text) for text, row in texts.items()))
             for key, texts in texts_by_key.items()}
    if configured:
        return {key: DateOrder(key, configured, CONFIGURED, e.day_first, e.month_first,
                               e.day_first_count, e.month_first_count, e.ambiguous)
                for key, e in found.items()}
    proved = {e.order for e in found.values() if e.how == PROVED}
    if len(proved) == 1:
        order = proved.pop()
        for key, e in found.items():
            if e.how == UNPROVED and e.ambiguous:
                found[key] = DateOrder(key, order, SHEET, ambiguous=e.ambiguous)
    return found
