"""Findings that share one cause, as groups: the same code in the same column (and, where the
value is the cause, the same value: one unknown stage label, one product name). The table
report shows a group as one entry; JSON and CSV carry the groups beside every finding."""

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.model import SEVERITIES, Finding, plain

# Codes whose cause is the value itself: 'Proposing' and 'Closeout' are two causes, two fixes.
VALUE_CAUSES = frozenset({"STG001", "PRD001", "VAL001", "DAT001"})
EXAMPLES = 3


@dataclass(frozen=True)
class Group:
    """One cause: its code, severity, column, the value when the value is the cause, how many
    findings, their rows, a few example findings and one fix."""

    code: str
    severity: str
    sheet: str
    column: str
    value: object
    findings: tuple[Finding, ...]
    hint: str

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def rows(self) -> list[int]:
        return sorted({f.row for f in self.findings})

    @property
    def examples(self) -> tuple[Finding, ...]:
        return self.findings[:EXAMPLES]

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet,
                "column": self.column, "value": plain(self.value), "count": self.count,
                "rows": row_ranges(self.rows), "hint": self.hint,
                "examples": [{"cell": f.cell, "deal_id": f.deal_id, "value": plain(f.value),
                              "message": f.message} for f in self.examples]}


def group_findings(findings: Iterable[Finding]) -> list[Group]:
    """Every finding in exactly one group; most severe first, then the largest."""
    buckets: dict[tuple, list[Finding]] = {}
    for f in findings:
        value = f.value if f.code in VALUE_CAUSES else None
        key = (f.code, f.sheet, f.column, _hashable(value))
        buckets.setdefault(key, []).append(f)
    groups = []
    for (code, sheet, column, _), members in buckets.items():
        first = members[0]
        hints: dict[str, int] = {}
        for f in members:
            hints[f.hint] = hints.get(f.hint, 0) + 1
        groups.append(Group(code, first.severity, sheet, column,
                            first.value if code in VALUE_CAUSES else None, tuple(members),
                            max(hints, key=hints.get)))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    groups.sort(key=lambda g: (rank[g.severity], -g.count, g.code, g.findings[0].row))
    return groups


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def row_ranges(rows: list[int]) -> str:
    """Sorted row numbers as ranges: [2, 3, 4, 7] -> "2-4, 7"."""
    spans, start, last = [], None, None
    for row in rows:
        if start is None:
            start = last = row
        elif row == last + 1:
            last = row
        else:
            spans.append((start, last))
            start = last = row
    if start is not None:
        spans.append((start, last))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
