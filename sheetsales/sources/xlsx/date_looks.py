"""The date look of a column: when a date is written into a cell that does not show dates
(a text date cleaned into a real one), it takes the number format of its column's own real
date cells (`dd/mm/yyyy`, `d mmm yyyy`), found by one scan of the sheet's part before it is
rewritten; styles.py's default (`yyyy-mm-dd`) only for a column that has none."""

import datetime as dt
import re

from ...core.cells import column_letters, column_number
from .ooxml import attrs

_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?)/?>')
_REF = re.compile(rb"([A-Z]+)\d+")
CHUNK = 1 << 20


def date_styles_of(stream, job, styles) -> dict[int, int]:
    """Column -> the date style of its own date cells, for the columns `job` gives a date,
    read from the sheet part's seekable `stream`, which is then rewound (a second pass over
    the sheet, only when a date is written)."""
    dated = dated_columns(job) if styles is not None else set()
    if not dated:
        return {}
    found = column_date_styles(stream, dated, styles)
    stream.seek(0)
    return found


def dated_columns(job) -> set[int]:
    """The columns (1-based) of an edited sheet that are given a date."""
    if job.replace_rows:
        return set()
    return {col for cols in job.cells.values() for col, value in cols.items()
            if isinstance(value, dt.date)}


def column_date_styles(stream, columns: set[int], styles) -> dict[int, int]:
    """Column -> the style its real date cells share most (numbers whose style shows dates),
    for the `columns` asked; read from a worksheet part's byte `stream`."""
    counts: dict[int, dict[int, int]] = {}
    refs = _refs_in(columns)
    tail = b""
    while True:
        chunk = stream.read(CHUNK)
        data = tail + chunk
        cut = data.rfind(b"<") if chunk else len(data)
        for hit in refs.finditer(data, 0, max(cut, 0)):
            start = data.rfind(b"<", 0, hit.start())
            m = _CELL.match(data, start)
            if m is None or m.end() < hit.end():
                continue
            attributes = attrs(m[1])
            kind, style, ref = (attributes.get(k) for k in (b"t", b"s", b"r"))
            if kind not in (None, b"n") or not style or not style.isdigit() or not ref:
                continue
            letters = _REF.match(ref)
            col = column_number(letters[1].decode()) if letters else None
            if col in columns and styles.is_date(int(style)):
                found = counts.setdefault(col, {})
                found[int(style)] = found.get(int(style), 0) + 1
        tail = data[cut:] if chunk else b""
        if not chunk:
            break
    return {col: max(found, key=found.get) for col, found in counts.items()}


def _refs_in(columns: set[int]) -> re.Pattern:
    """The `r="F12"` attributes that name one of `columns`: the scan looks at the `<c>` of
    these only, so the other cells of the sheet (most of them) cost no Python at all (one
    Python step per cell was most of a 1,000-deal run's write)."""
    names = b"|".join(sorted(column_letters(col).encode() for col in columns))
    return re.compile(rb'\sr="(?:' + names + rb')\d+"')
