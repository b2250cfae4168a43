"""whitespace: trim text cells, collapse runs of spaces, turn non-breaking and other odd
spaces into plain ones, in text columns only (never numbers, dates or amounts)."""

import re

from ..core.fields import TEXT
from .base import CleanOptions, Step, Table

KIND = "whitespace"

_ODD_SPACE = re.compile(r"[^\S\n]+")  # any run of whitespace but a line break, NBSP included
_INVISIBLE = re.compile("[\u200b\ufeff]")  # zero-width space, stray byte-order mark
_LINE_EDGES = re.compile(r" *\n *")


def tidy(text: str) -> str:
    """The text with single plain spaces, no spaces at the ends of it or of its lines, and
    its line breaks kept (a Notes cell may hold several lines)."""
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    return _LINE_EDGES.sub("\n", text).strip()


def text_columns(table: Table, config) -> list[int]:
    kinds = {f.key: f.kind for f in config.fields}
    return sorted(i for key, i in table.columns.items() if kinds.get(key, TEXT) == TEXT)


def clean_whitespace(table: Table, config, options: CleanOptions) -> Step:
    """Tidy the spacing of every text cell of every deal row."""
    step = Step()
    columns = text_columns(table, config)
    for row in table.deals:
        for col in columns:
            value = table.get(row, col)
            if isinstance(value, str):
                tidied = tidy(value)
                if tidied != value:
                    step.edits[row, col] = tidied
    return step
