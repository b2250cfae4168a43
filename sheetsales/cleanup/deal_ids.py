"""ids: fill missing Deal IDs in the sheet's own pattern (prefix, zero padding, suffix; number
cells stay numbers), numbering on from the highest one and never reusing an ID."""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.model import is_blank, text_id
from .base import CleanOptions, Step, Table, missing_column

KIND = "ids"

_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")
DEFAULT_PREFIX, DEFAULT_WIDTH = "D-", 4  # a sheet with no numbered IDs yet gets D-0001, ...


@dataclass(frozen=True)
class IdPattern:
    """How a sheet's IDs are written: text `prefix` + number zero-padded to `width` +
    `suffix`, or plain number cells when `numeric`."""

    prefix: str = DEFAULT_PREFIX
    width: int = DEFAULT_WIDTH
    suffix: str = ""
    numeric: bool = False

    def format(self, number: int):
        if self.numeric:
            return number
        return f"{self.prefix}{number:0{self.width}d}{self.suffix}"

    def number(self, value) -> int | None:
        """The number of an ID written in this pattern, else None."""
        if self.numeric:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return int(value) if ok and float(value).is_integer() else None
        if not isinstance(value, str):
            return None
        m = _NUMBERED.match(value.strip())
        same = m and (m[1].casefold(), m[3].casefold()) == (self.prefix.casefold(),
                                                             self.suffix.casefold())
        return int(m[2]) if same else None


def _shape(value):
    """(prefix, suffix) of a text ID, "number" for a whole-number cell, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number" if float(value).is_integer() else None
    if isinstance(value, str):
        m = _NUMBERED.match(value.strip())
        return (m[1], m[3]) if m else None
    return None


def detect_pattern(ids: Iterable) -> IdPattern:
    """The most common shape among existing IDs (a tie goes to the latest one's); padded to
    the commonest digit count when any of them has a leading zero."""
    ids = [v for v in ids if _shape(v)]
    if not ids:
        return IdPattern()
    counts = Counter(_shape(v) for v in ids)
    top = max(counts.values())
    shape = next(_shape(v) for v in reversed(ids) if counts[_shape(v)] == top)
    if shape == "number":
        return IdPattern(prefix="", width=0, numeric=True)
    digits = [_NUMBERED.match(v.strip())[2] for v in ids if _shape(v) == shape]
    padded = any(len(d) > 1 and d.startswith("0") for d in digits)
    width = Counter(len(d) for d in digits).most_common(1)[0][0] if padded else 0
    return IdPattern(prefix=shape[0], width=width, suffix=shape[1])


def id_key(value) -> str | None:
    """An ID as compared for sameness: 7.0 and "7" alike, case and outer spaces ignored."""
    text = text_id(value)
    return text.casefold() if text else None


class IdAllocator:
    """Hands out fresh IDs in the sheet's pattern: after the highest number in use, skipping
    any ID that is taken (in the sheet or `reserved`)."""

    def __init__(self, existing: list, reserved: Iterable = ()):
        self.pattern = detect_pattern(existing)
        self.taken = {id_key(v) for v in [*existing, *reserved]} - {None}
        numbers = [self.pattern.number(v) for v in [*existing, *reserved]]
        self.next = max([n for n in numbers if n is not None], default=0) + 1

    def fresh(self):
        while True:
            candidate = self.pattern.format(self.next)
            self.next += 1
            if id_key(candidate) not in self.taken:
                self.taken.add(id_key(candidate))
                return candidate


def allocator(table: Table, options: CleanOptions) -> IdAllocator:
    col = table.columns["deal_id"]
    existing = [table.get(r, col) for r in sorted(table.rows)]
    return IdAllocator([v for v in existing if not is_blank(v)], options.reserved_ids)


def clean_ids(table: Table, config, options: CleanOptions) -> Step:
    """Give every deal row without a Deal ID the next free one."""
    if "deal_id" not in table.columns:
        return missing_column("Deal ID", KIND)
    col = table.columns["deal_id"]
    missing = [r for r in table.deals if is_blank(table.get(r, col))]
    step = Step()
    if missing:
        ids = allocator(table, options)
        for row in missing:
            step.edits[row, col] = ids.fresh()
    return step
