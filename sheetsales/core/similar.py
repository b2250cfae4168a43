"""Likely duplicate deals: two rows a person would call one deal entered twice. Shared by the
IDS003 rule and `sheetsales clean dupes`.

Two rows with different Deal IDs (or one without) are a likely duplicate when, dated within
`within_days` of each other (created, else first contact), they share an anchor, a field
that names the deal's person or the deal itself:
- the same contact, or the same e-mail; or
- the same company, product and amount, all three filled;
and no field that identifies a deal (company, contact, e-mail, product, amount) is filled on
both and different: a repeat customer's next order is another product or quantity, another
contact at the same company is another deal. (A duplicate entered with a revised amount is
so missed: a person could not tell it from a second order either.) Only fields the sheet has are compared; a field
empty on either row neither agrees nor differs."""

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from operator import attrgetter
from typing import NamedTuple

from .stages import normalize

DUPE_DAYS = 14
# Fields compared, in the order findings name them. The first five identify a deal: when
# both rows fill one and it differs, they are two deals whatever else agrees.
COMPARED = ("company", "contact", "email", "product", "amount", "owner")
IDENTIFYING = ("company", "contact", "email", "product", "amount")
ANCHORS = (("contact",), ("email",), ("company", "product", "amount"))


class Record(NamedTuple):  # one per dated deal of a big sheet: quick to make
    """A row as the duplicate search sees it: its deal ID, its date, and its COMPARED fields
    that are filled, each already in a comparable form (normalised text, a number)."""

    row: int
    deal_id: str | None
    day: dt.date
    values: dict[str, Hashable]


class Pair(NamedTuple):
    """A later row that is likely a duplicate of an earlier one, with the fields that agree
    and those that differ (COMPARED order) and the days between their dates."""

    first: int
    row: int
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    days: int


def comparable(key: str, value):
    """A field's value as duplicates are compared: numbers as numbers, e-mail addresses
    case-folded, other text by its normalised label."""
    if value.__class__ is float or value.__class__ is int:
        return value
    text = value if value.__class__ is str else str(value)
    return text.strip().casefold() if key == "email" else normalize(text)


def anchors_for(columns: Iterable[str]) -> list[tuple[str, ...]]:
    """The anchors a sheet with `columns` can use: those whose every field it has."""
    present = set(columns)
    return [anchor for anchor in ANCHORS if present.issuperset(anchor)]


_BY_DAY = attrgetter("day", "row")


def likely_pairs(records: Iterable[Record], anchors: list[tuple[str, ...]],
                 within_days: int = DUPE_DAYS) -> list[Pair]:
    """Every pair of records that is likely one deal entered twice (see the module
    docstring), each once, earlier row first, sorted by (row, first)."""
    blocks = defaultdict(list)
    for record in records:
        values = record.values
        for anchor in anchors:
            if len(anchor) == 1:
                key = values.get(anchor[0])
                if key is None:
                    continue
            else:
                key = tuple(map(values.get, anchor))
                if None in key:
                    continue
            blocks[anchor, key].append(record)
    found: dict[tuple[int, int], Pair] = {}
    for block in blocks.values():
        if len(block) < 2:
            continue
        block.sort(key=_BY_DAY)
        size = len(block)
        for i, earlier in enumerate(block):
            for j in range(i + 1, size):
                later = block[j]
                days = (later.day - earlier.day).days
                if days > within_days:
                    break
                a, b = (earlier, later) if earlier.row < later.row else (later, earlier)
                if (a.row, b.row) not in found:
                    pair = _judge(a, b, days)
                    if pair:
                        found[a.row, b.row] = pair
    return sorted(found.values(), key=lambda p: (p.row, p.first))


def _judge(a: Record, b: Record, days: int) -> Pair | None:
    if a.deal_id and a.deal_id == b.deal_id:
        return None  # the same ID on two rows is IDS002's
    agree, differ = [], []
    for key in COMPARED:
        x, y = a.values.get(key), b.values.get(key)
        if x is None or y is None:
            continue
        if x == y:
            agree.append(key)
        elif key in IDENTIFYING:
            return None
        else:
            differ.append(key)
    return Pair(a.row, b.row, tuple(agree), tuple(differ), days)


def clusters(pairs: Iterable[Pair]) -> list[list[int]]:
    """The rows the pairs join into groups (a duplicate of a duplicate is in the same
    group), each sorted, groups in order of their first row."""
    parent: dict[int, int] = {}

    def root(row: int) -> int:
        while parent.setdefault(row, row) != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    for pair in pairs:
        parent[root(pair.row)] = root(pair.first)
    groups = defaultdict(list)
    for row in parent:
        groups[root(row)].append(row)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def agreement(agree: Iterable[str], differ: Iterable[str], headers) -> str:
    """'same Company, Contact and Product; Owner differs' in the sheet's own headers."""
    text = "same " + _join([headers(k) for k in agree])
    differ = [headers(k) for k in differ]
    if differ:
        text += f"; {_join(differ)} differ{'s' if len(differ) == 1 else ''}"
    return text


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
