"""Which column identifies a deal: when the mapped Deal ID column repeats widely (order or
account numbers shared by many rows) and another column is unique, that is one fact about
the column, not a duplicate on every row."""

import re
from dataclasses import dataclass

# Headers that may hold a row's own identifier, besides the mapped Deal ID.
_ID_WORDS = re.compile(r"(?:^|[^a-z])(?:id|nr|no|num|number|ref|key|code|#)(?:$|[^a-z])|"
                       r"(?:id|nr|no)$", re.IGNORECASE)
WIDELY = 0.10  # the share of deal rows whose ID another row also has
LEAST_ROWS = 10


def id_like(header: str) -> bool:
    """Whether a header names an identifier ("Row ID", "Order No", "Ref", "OpportunityId")."""
    return bool(_ID_WORDS.search(header.strip()))


@dataclass(frozen=True)
class IdColumn:
    """What the Deal ID column proves: `rows` deals with an ID, `distinct` IDs, `shared`
    rows whose ID another row also has; `unique` the header of another column whose every
    deal row holds its own value (None if none); `not_an_id` when the column repeats widely
    beside a unique one, or on most rows."""

    field: str
    header: str
    rows: int
    distinct: int
    shared: int
    unique: str | None = None

    @property
    def not_an_id(self) -> bool:
        if self.shared < max(LEAST_ROWS, WIDELY * self.rows):
            return False
        return self.unique is not None or self.shared * 2 > self.rows

    def describe(self) -> str:
        line = (f"{self.header!r}: {self.rows:,} rows, {self.distinct:,} distinct values, "
                f"{self.shared:,} rows share theirs")
        if self.not_an_id:
            line += "; it repeats widely, so it is not a deal ID"
            if self.unique:
                line += f" ({self.unique!r} is unique: map it as the Deal ID)"
        return line


def id_column(header: str, ids: list, candidates: dict[str, tuple[int, int]]) -> IdColumn:
    """The IdColumn of the mapped ID column's values (one per deal row, None when empty);
    `candidates` gives other id-like columns as header -> (filled rows, distinct values)."""
    filled = [i for i in ids if i is not None]
    counts: dict = {}
    for value in filled:
        counts[value] = counts.get(value, 0) + 1
    shared = sum(n for n in counts.values() if n > 1)
    unique = next((h for h, (rows, distinct) in candidates.items()
                   if rows == len(ids) and distinct == rows and rows), None)
    return IdColumn("deal_id", header, len(filled), len(counts), shared, unique)
