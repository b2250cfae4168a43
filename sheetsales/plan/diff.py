"""How planned cell changes read in a dry run: one line per cell, values shown so that
invisible differences (a trailing space, a non-breaking space) can be seen."""

import datetime as dt
from typing import Any

from ..core.model import CellChange, plain


def show(value: Any) -> str:
    """A cell value in the diff: text in double quotes with invisible characters (such as a
    non-breaking space) spelt out, dates as ISO, an empty cell as ""."""
    if value is None:
        return '""'
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + "".join(_escape(ch) for ch in value) + '"'
    return str(plain(value))


def _escape(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch != " " and not ch.isprintable():
        return f"\\u{ord(ch):04x}"
    return ch


def render_diff(changes: list[CellChange]) -> str:
    """One line per planned cell change: Deals!Q12: "" -> "Overdue"."""
    return "".join(f"{c.sheet}!{c.cell}: {show(c.old)} -> {show(c.new)}\n" for c in changes)
