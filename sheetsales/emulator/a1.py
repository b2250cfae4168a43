"""A1 notation as the Sheets API reads and echoes it: parsing, quoting, formatting.

Indexes are 0-based with exclusive ends, like the API's GridRange; ``None`` means "open" (to the
edge of the grid). Nothing here knows about a spreadsheet: resolving a sheet title or a named
range against real sheets happens in ``workbook.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core import cells as a1

MAX_COLUMNS = 18278  # ZZZ, the API's widest column
MAX_ROWS = 10_000_000

_SIDE = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*")


class RangeParseError(ValueError):
    """The text is not A1 notation the API would accept."""


@dataclass(frozen=True)
class Ref:
    """The cell part of an A1 range (after the ``!``); ``None`` bounds are open."""

    start_row: int | None
    start_col: int | None
    end_row: int | None
    end_col: int | None
    single_cell: bool = False

    def text(self) -> str:
        """The canonical A1 text of this reference, e.g. ``A2:Z`` or ``B1``."""
        start = _side(self.start_row, self.start_col)
        if self.single_cell:
            return start
        end_row = None if self.end_row is None else self.end_row - 1
        end_col = None if self.end_col is None else self.end_col - 1
        return f"{start}:{_side(end_row, end_col)}"


@dataclass(frozen=True)
class ParsedRange:
    """A range as written: an optional sheet title, and a cell reference or a bare name."""

    sheet: str | None
    ref: Ref | None
    bare: str | None = None  # unqualified text with no cell part: a sheet title or a named range


def column_letters(index: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``."""
    return a1.column_letters(index + 1)


def column_index(letters: str) -> int:
    """``A`` -> 0, ``AA`` -> 26; case-insensitive."""
    return a1.column_number(letters) - 1


def quote_title(title: str) -> str:
    """A sheet title as the API echoes it: bare when plain, else quoted with ``''`` escapes."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_box(title: str, start_row: int, start_col: int, end_row: int, end_col: int) -> str:
    """``Sheet1!A1:D4`` for a bounded box; a single cell is echoed as ``Sheet1!B1``."""
    ref = Ref(start_row, start_col, end_row, end_col, end_row - start_row == 1 and end_col - start_col == 1)
    return f"{quote_title(title)}!{ref.text()}"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'My Sheet'!A1`` into (title, cell part); either may be None."""
    if text.startswith("'"):
        title, pos = _read_quoted(text)
        rest = text[pos:]
        if rest == "":
            return title, None
        if not rest.startswith("!") or len(rest) == 1:
            raise RangeParseError(text)
        return title, rest[1:]
    if "!" in text:
        title, _, ref = text.rpartition("!")
        if not title or not ref:
            raise RangeParseError(text)
        return title, ref
    return None, text


def parse_ref(text: str) -> Ref:
    """Parse the cell part: ``A1``, ``A1:B2``, ``A:C``, ``2:5``, ``A2:C``, ``A2:2``."""
    if not text or text.count(":") > 1:
        raise RangeParseError(text)
    if ":" not in text:
        row, col = _parse_side(text)
        if row is None or col is None:
            raise RangeParseError(text)
        return Ref(row, col, row + 1, col + 1, single_cell=True)
    left, right = text.split(":")
    start_row, start_col = _parse_side(left)
    end_row, end_col = _parse_side(right)
    if start_row is not None and end_row is not None and start_row > end_row:
        start_row, end_row = end_row, start_row
    if start_col is not None and end_col is not None and start_col > end_col:
        start_col, end_col = end_col, start_col
    return Ref(
        start_row if start_row is not None else 0,
        start_col if start_col is not None else 0,
        None if end_row is None else end_row + 1,
        None if end_col is None else end_col + 1,
    )


def parse_range(text: str) -> ParsedRange:
    """Parse any range text the API accepts; unqualified bare words are left for the caller."""
    if not text or text != text.strip():
        raise RangeParseError(text)
    title, ref_text = split_sheet(text)
    if ref_text is None:
        return ParsedRange(title, None)
    if title is None:
        try:
            return ParsedRange(None, parse_ref(ref_text), bare=ref_text)
        except RangeParseError:
            return ParsedRange(None, None, bare=ref_text)
    return ParsedRange(title, parse_ref(ref_text))


def _read_quoted(text: str) -> tuple[str, int]:
    """Read a ``'...'`` title starting at 0; returns (title, index after the closing quote)."""
    chars, pos = [], 1
    while pos < len(text):
        if text[pos] == "'":
            if text[pos + 1 : pos + 2] == "'":
                chars.append("'")
                pos += 2
                continue
            if not chars:
                raise RangeParseError(text)
            return "".join(chars), pos + 1
        chars.append(text[pos])
        pos += 1
    raise RangeParseError(text)


def _parse_side(text: str) -> tuple[int | None, int | None]:
    match = _SIDE.fullmatch(text)
    if not match or not text or not (match.group(1) or match.group(2)):
        raise RangeParseError(text)
    letters, digits = match.groups()
    col = column_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    if row is not None and not 0 <= row < MAX_ROWS:
        raise RangeParseError(text)
    if col is not None and col >= MAX_COLUMNS:
        raise RangeParseError(text)
    return row, col


def _side(row: int | None, col: int | None) -> str:
    return (column_letters(col) if col is not None else "") + (str(row + 1) if row is not None else "")
