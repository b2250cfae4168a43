"""Cells as spreadsheets number them, one home each: A1 references (column letters and numbers,
1-based as in A1 = row 1, column 1) and serial dates (Excel's 1900 and 1904 systems; Google
Sheets counts like Excel's 1900 system from March 1900 on), and a date to write that carries
the number format it should be shown in (ShownDate)."""

import datetime as dt
import functools
import re

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767  # UTF-16 code units in one cell (an emoji counts two)
ELLIPSIS = "..."
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})")


@functools.lru_cache(maxsize=4096)
def utf16_len(text: str) -> int:
    """How long Excel counts `text`: UTF-16 code units, two for a character past U+FFFF."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit_text(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to at most `limit` UTF-16 units, visibly: a cut text ends in "...". A
    character past U+FFFF is never split in half."""
    if len(text) * 2 <= limit or utf16_len(text) <= limit:
        return text
    room, kept = limit - len(ELLIPSIS), 0
    for end, char in enumerate(text):
        kept += 2 if ord(char) > 0xFFFF else 1
        if kept > room:
            return text[:end] + ELLIPSIS
    return text  # not reached: the text is longer than the room


@functools.lru_cache(maxsize=4096)
def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


@functools.lru_cache(maxsize=4096)
def column_letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_letter(index: int) -> str:
    """0-based column index -> "A", "B", ... "AA"."""
    return column_letters(index + 1)


def cell_name(row: int, col: int) -> str:
    return f"{column_letters(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int]:
    """`"B12"` -> (12, 2); a malformed or out-of-sheet reference is a ValueError."""
    match = _REF.fullmatch(ref.strip()) if isinstance(ref, str) else None
    if not match:
        raise ValueError(f"{ref!r} is not a cell reference like 'B12'")
    row, col = int(match[2]), column_number(match[1])
    if row > MAX_ROW or col > MAX_COL:
        raise ValueError(f"{ref!r} lies outside the sheet (last cell XFD1048576)")
    return row, col


EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 is 1899-12-31 in Sheets, 1900-01-01 in Excel
EPOCH_1904 = dt.date(1904, 1, 1)
LEAP_BUG = dt.date(1900, 3, 1)  # Excel counts a 29 February 1900 that never was before this
MAX_SERIAL = 2958465  # 9999-12-31


def from_serial(serial: float, date1904: bool = False) -> dt.date:
    """A serial day number as a date (the fraction, a time of day, is dropped)."""
    return (EPOCH_1904 if date1904 else EPOCH_1900) + dt.timedelta(days=int(serial))


def to_serial(value: dt.date, date1904: bool = False) -> int | float:
    """The Excel serial number of a date or naive datetime: whole days for a date, a fraction
    of a day added for a datetime's time."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if date1904:
        days = (day - EPOCH_1904).days
    else:
        days = (day - EPOCH_1900).days - (1 if day < LEAP_BUG else 0)
    if not isinstance(value, dt.datetime):
        return days
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return days + seconds / 86400


class ShownDate(dt.date):
    """A date to write into a cell, with the number format it should be shown in
    (`dd/mm/yyyy`) when its column has no real date cells to take one from: a cleaned text
    date keeps the look its text had. Equal to, and written like, the plain date."""

    __slots__ = ("number_format",)

    def __new__(cls, day: dt.date, number_format: str):
        self = super().__new__(cls, day.year, day.month, day.day)
        self.number_format = number_format
        return self

    def __reduce__(self):
        return ShownDate, (dt.date(self.year, self.month, self.day), self.number_format)
