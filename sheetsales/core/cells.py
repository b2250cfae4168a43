"""A1 cell references: column letters and numbers (1-based, as in A1 = row 1, column 1)."""

import functools
import re

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767  # characters in one cell
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})")


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
