"""A clean's outcome as data (planned cell changes, cells left alone, duplicate groups, Flags
texts) and its renderings: the dry-run diff for people and a dict for JSON."""

from collections import Counter
from dataclasses import dataclass, field

from ..core.dates import plural
from ..core.model import CellChange, plain
from ..plan.diff import show
from .base import DuplicateGroup, Skipped

SHOWN_CELLS = 5  # cells listed per "left alone" line before "and N more"
SHOWN_ROWS = 6  # rows of a duplicate group shown side by side


@dataclass(frozen=True)
class Fix:
    """One planned change with where it is and which cleaners asked for it, in order (a
    cell trimmed by whitespace and then relabelled by stages is one change)."""

    change: CellChange
    row: int
    column: str
    kinds: tuple[str, ...]
    deal_id: str | None = None  # the row's Deal ID as the sheet had it (else as cleaned)

    @property
    def ref(self) -> str:
        return f"{self.change.sheet}!{self.change.cell}"


@dataclass
class CleanResult:
    """Everything a clean found: `fixes` (at most one per cell, in sheet order), what it
    left alone, sheet-level notes, duplicate groups and Flags texts (row -> text; (tab,
    row) -> text for a clean of several tabs: runner.clean_tables)."""

    sheet: str
    kinds: tuple[str, ...]
    fixes: list[Fix] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: list[DuplicateGroup] = field(default_factory=list)
    flags: dict[int, str] = field(default_factory=dict)
    written: str | None = None  # what `clean(..., apply=True)` wrote, in one line

    @property
    def changes(self) -> list[CellChange]:
        """The cell changes to write, exactly what the diff shows."""
        return [f.change for f in self.fixes]

    @property
    def pending(self) -> bool:
        return bool(self.fixes)

    def counts(self) -> dict[str, int]:
        """Changes per cleaner that ran (a cell two cleaners changed counts for both)."""
        found = Counter(kind for f in self.fixes for kind in f.kinds)
        return {kind: found.get(kind, 0) for kind in self.kinds}

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "kinds": list(self.kinds),
            "changes": [{"sheet": f.change.sheet, "cell": f.change.cell, "ref": f.ref,
                         "row": f.row, "column": f.column, "deal_id": f.deal_id,
                         "kinds": list(f.kinds),
                         "old": plain(f.change.old), "new": plain(f.change.new)}
                        for f in self.fixes],
            "counts": self.counts(),
            "skipped": [{"kind": s.kind, "cell": s.cell, "value": plain(s.value),
                         "reason": s.reason} for s in self.skipped],
            "notes": list(self.notes),
            "duplicates": [{"kind": g.kind, "reason": g.reason, "rows": list(g.rows),
                            "deals": [{"row": r, **{h: plain(v) for h, v in zip(g.headers, vs)}}
                                      for r, vs in zip(g.rows, g.values)],
                            "new_ids": {str(r): plain(v) for r, v in g.new_ids.items()}}
                           for g in self.duplicates],
            "flags": [{"row": key, "text": text} if isinstance(key, int) else
                      {"sheet": key[0], "row": key[1], "text": text}
                      for key, text in sorted(self.flags.items())],
        }


def _plain_text(value) -> str:
    return "" if value is None else str(plain(value))


def render_diff(result: CleanResult) -> str:
    """The dry run: one line per change naming its deal (Deals!F12 (D-0012): "Proposl" ->
    "Proposal"), the count per cleaner, what was left alone and why, and duplicate groups
    side by side."""
    lines = [f"{f.ref}{f' ({show(f.deal_id)[1:-1]})' if f.deal_id else ''}: "
             f"{show(f.change.old)} -> {show(f.change.new)}" for f in result.fixes]
    if lines:
        lines.append("")
    counts = ", ".join(f"{kind} {n}" for kind, n in result.counts().items())
    total = len(result.fixes)
    lines.append(f"{plural(total, 'change')} ({counts})" if total else
                 f"No changes ({counts})")
    left = _left_alone(result) + [f"  {note}" for note in result.notes]
    if left:
        cells = len(result.skipped)
        lines += ["", f"Left alone ({plural(cells, 'cell')}):" if cells else
                  "Left alone:", *left]
    if result.duplicates:
        lines += ["", f"Duplicates ({len(result.duplicates)} groups; no row is deleted: a "
                      "person decides):"]
        for group in result.duplicates:
            lines += _group_lines(group)
    return "\n".join(lines) + "\n"


def _left_alone(result: CleanResult) -> list[str]:
    """One line per kind, value and reason, naming its cells."""
    grouped: dict[tuple, list[str]] = {}
    for s in result.skipped:
        grouped.setdefault((s.kind, show(s.value), s.reason), []).append(s.cell)
    lines = []
    for (kind, value, reason), cells in grouped.items():
        named = ", ".join(cells[:SHOWN_CELLS])
        if len(cells) > SHOWN_CELLS:
            named += f" and {len(cells) - SHOWN_CELLS} more"
        lines.append(f"  {named}: {value}: {reason} ({kind})")
    return lines


def _group_lines(group: DuplicateGroup) -> list[str]:
    """The group's rows side by side, one column per row (the first SHOWN_ROWS of them)."""
    head = f"  {group.reason}"
    if group.new_ids:
        given = [f"row {r} ID {_plain_text(v)}" for r, v in group.new_ids.items()]
        head += "; --apply gives " + ", ".join(given[:SHOWN_ROWS])
        if len(given) > SHOWN_ROWS:
            head += f" and {len(given) - SHOWN_ROWS} more"
    rows, values = group.rows[:SHOWN_ROWS], group.values[:SHOWN_ROWS]
    table = [["Row", *[str(r) for r in rows]]]
    for index, header in enumerate(group.headers):
        table.append([header, *[_plain_text(vs[index]) for vs in values]])
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    body = ["    " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
            for line in table]
    if len(group.rows) > SHOWN_ROWS:
        more = len(group.rows) - SHOWN_ROWS
        body.append(f"    and {plural(more, 'more row')} (all listed in "
                    "--format json)")
    return [head + ":", *body]
