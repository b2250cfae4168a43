"""Cell references and cell values as SpreadsheetML bytes.

Text is always written as an inline string (`t="inlineStr"`), never as a formula or a number,
so a Company named `=HYPERLINK("x")` stays text and xl/sharedStrings.xml is never touched.
Characters XML 1.0 cannot carry (C0 controls other than tab and newline, U+FFFE, U+FFFF) are
written with the OOXML `_xHHHH_` escape, which Excel, LibreOffice and calamine decode back to
the character; a literal `_xHHHH_` in the text is escaped as `_x005F_xHHHH_` so it survives,
and a carriage return is written as `&#13;`. Text that cannot be encoded at all (a lone
surrogate) or is longer than Excel's 32,767-character cell limit is refused.
"""

import datetime as dt
import math
import re

from ...core.cells import MAX_TEXT, cell_name, parse_ref, to_serial
from ...core.errors import WriteConflict

_XML_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_CARE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff&<>_\ud800-\udfff]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_FIRST_1900, _FIRST_1904 = dt.date(1900, 1, 1), dt.date(1904, 1, 1)  # serials 1 and 0




def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """`"A1:C3"` (or `"A1"`) -> (first row, first col, last row, last col); None if unreadable."""
    try:
        ends = [parse_ref(part) for part in ref.split(":")]
    except ValueError:
        return None
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_name(box: tuple[int, int, int, int]) -> str:
    r1, c1, r2, c2 = box
    first, last = cell_name(r1, c1), cell_name(r2, c2)
    return first if first == last else f"{first}:{last}"


def serial(value: dt.date, date1904: bool, where: str) -> int | float:
    """The Excel serial number of a date or naive datetime in the workbook's date system."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise WriteConflict(f"{where}: {value.isoformat()} has a time zone, which Excel cannot "
                            "store; convert it to local time without tzinfo first")
    first = _FIRST_1904 if date1904 else _FIRST_1900
    if day < first:
        raise WriteConflict(f"{where}: {day.isoformat()} is before {first.isoformat()}, the "
                            "first date this workbook can store; write it as text instead")
    return to_serial(value, date1904)


def _escape_text(text: str, where: str) -> bytes:
    if len(text) <= MAX_TEXT // 2 and not _NEEDS_CARE.search(text):
        return text.encode("utf-8")
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 > MAX_TEXT:
        raise WriteConflict(f"{where}: text of {len(text)} characters exceeds Excel's limit of "
                            f"{MAX_TEXT} per cell; shorten it")
    text = _LITERAL_ESCAPE.sub(r"_x005F_\1", text)
    text = _XML_ESCAPE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    try:
        return text.replace("\r", "&#13;").encode("utf-8")
    except UnicodeEncodeError:
        raise WriteConflict(f"{where}: the text holds an unpaired surrogate character that no "
                            "workbook can store; clean the value and run again") from None


TAILS_KEPT = 4096  # distinct (value, style) cell endings remembered per sheet
_KEPT_TYPES = frozenset({str, int, float, bool, dt.date, dt.datetime})


class CellMaker:
    """Builds `<c>` elements for one sheet: its namespace prefix, date system and title.

    A cell is `<c r="` + its reference + an ending made of its value and style. Written
    columns repeat their values (statuses, owners, due dates), so endings are kept, up to
    TAILS_KEPT of them; when unique values (IDs, messages) fill that, it starts afresh, so
    a value that keeps coming back is made once per TAILS_KEPT new ones."""

    def __init__(self, prefix: bytes, date1904: bool, title: str):
        p = prefix
        self.date1904, self.title = date1904, title
        self._open = b"<" + p + b'c r="'
        self._text = (b'"%s t="inlineStr"><' + p + b"is><" + p + b"t%s>%s</" + p + b"t></" + p
                      + b"is></" + p + b"c>")
        self._bool = b'"%s t="b"><' + p + b"v>%s</" + p + b"v></" + p + b"c>"
        self._number = b'"%s><' + p + b"v>%s</" + p + b"v></" + p + b"c>"
        self._empty = b"<" + p + b'c r="%s"%s/>'
        self._tails: dict = {}

    def where(self, ref: bytes) -> str:
        return f"{self.title}!{ref.decode()}"

    def cell(self, ref: bytes, value, style: int, keep: bytes = b"") -> bytes:
        """A complete `<c>` element holding `value` (never None) with style `style`;
        `keep` carries attributes kept from the cell it replaces."""
        if value.__class__ not in _KEPT_TYPES:
            return self._open + ref + self._tail(ref, value, style, keep)
        key = (value.__class__, value, style, keep)
        tail = self._tails.get(key)
        if tail is None:
            tail = self._tail(ref, value, style, keep)
            if len(self._tails) >= TAILS_KEPT:
                self._tails.clear()  # unique values filled it: start again with recent ones
            self._tails[key] = tail
        return self._open + ref + tail

    def _tail(self, ref: bytes, value, style: int, keep: bytes) -> bytes:
        """What follows the reference: the closing quote, style, kept attributes, value."""
        extra = (b' s="%d"' % style if style else b"") + keep
        if isinstance(value, str):
            # the common case inline: where() is only needed for an error message
            text = value.encode("utf-8") if len(value) <= MAX_TEXT // 2 and \
                not _NEEDS_CARE.search(value) else _escape_text(value, self.where(ref))
            space = b' xml:space="preserve"' if value != value.strip() or "\n" in value else b""
            return self._text % (extra, space, text)
        if isinstance(value, bool):
            return self._bool % (extra, b"1" if value else b"0")
        if isinstance(value, (int, float)):
            return self._number % (extra, self._number_text(value, ref))
        if isinstance(value, dt.date):
            number = serial(value, self.date1904, self.where(ref))
            if isinstance(number, int):
                return self._number % (extra, b"%d" % number)
            return self._number % (extra, self._number_text(number, ref))
        raise TypeError(f"{self.where(ref)}: cannot write a {type(value).__name__}; use str, "
                        "int, float, bool, date, datetime or None")

    def _number_text(self, value: int | float, ref: bytes) -> bytes:
        if isinstance(value, float) and not math.isfinite(value):
            raise WriteConflict(f"{self.where(ref)}: {value} is not a number Excel can store; "
                                "write it as text or leave the cell empty")
        if abs(value) > 1.7976931348623157e308:
            raise WriteConflict(f"{self.where(ref)}: {value} is too large for Excel; write it "
                                "as text")
        return repr(value).encode("ascii") if isinstance(value, float) else \
            str(value).encode("ascii")

    def empty(self, ref: bytes, style: int, keep: bytes = b"") -> bytes:
        """A cell with no value that keeps its formatting."""
        return self._empty % (ref, (b' s="%d"' % style if style else b"") + keep)
