"""How planned cell changes read in a dry run, values shown so that invisible differences (a
trailing space, a non-breaking space) can be seen: for a person, one line per deal naming
its Deal ID and row and the status columns that change, kept to about a screen; with
`everything`, every cell on its own line, its address beside the deal and column it is of."""

import datetime as dt
from typing import Any

from ..core.cells import column_letters
from ..core.dates import plural
from ..core.model import CellChange, plain
from .render import SCREEN

SHOWN_TEXT = 60  # characters of a value shown in the one-line-per-deal view


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


def _short(value: Any) -> str:
    text = show(value)
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT - 2] + '…"'


def render_diff(changes: list[CellChange], deals: dict | None = None,
                columns: dict | None = None) -> str:
    """One line per planned cell change: Deals!Q12 (D-0012, Status): "" -> "Overdue";
    `deals` names the Deal ID of a (sheet, row), `columns` the header of a (sheet, col)."""
    deals, columns = deals or {}, columns or {}
    lines = []
    for c in changes:
        about = [x for x in (deals.get((c.sheet, c.row)), columns.get((c.sheet, c.col))) if x]
        where = f" ({', '.join(about)})" if about else ""
        lines.append(f"{c.sheet}!{c.cell}{where}: {show(c.old)} -> {show(c.new)}\n")
    return "".join(lines)


def names_of(plan) -> tuple[dict, dict, dict]:
    """A run plan's (sheet, row) -> Deal ID, (sheet, col) -> status column header, and
    (sheet, row) -> the header row of each deals tab."""
    deals = {(d.sheet, d.row): show(str(d.deal_id))[1:-1]  # a newline in an ID stays seen
             for d in plan.report.deals if d.deal_id}
    columns = {(title, index + 1): layout.headers[key]
               for title, layout in plan.layouts.items()
               for key, index in layout.columns.items()}
    header_rows = {(p.sheet.title, p.sheet.header_row): True for p in plan.report.parts()}
    return deals, columns, header_rows


def render_run_diff(plan, everything: bool = False) -> str:
    """A run's dry run for a person: the new status columns with their letters, then one line
    per deal (`D-0064 (Deals row 64): Pipeline status "" -> "OK", ...`), within about a
    screen; `everything` lists every cell instead (render_diff)."""
    deals, columns, header_rows = names_of(plan)
    if everything:
        return render_diff(plan.changes, deals, columns)
    by_row: dict[tuple[str, int], list[CellChange]] = {}
    for c in plan.changes:
        by_row.setdefault((c.sheet, c.row), []).append(c)
    rows, lines = {(d.sheet, d.row) for d in plan.report.deals}, []
    for (sheet, row), changes in by_row.items():
        if (sheet, row) in header_rows:
            added = ", ".join(f"{show(c.new)} in column {column_letters(c.col)}" for c in changes)
            lines.append(f"{sheet} row {row} (header): {added}")
            continue
        name = deals.get((sheet, row))
        who = f"{name} ({sheet} row {row})" if name else \
            f"{sheet} row {row} ({'no Deal ID' if (sheet, row) in rows else 'no longer a deal'})"
        cells = ", ".join(f"{columns.get((sheet, c.col), column_letters(c.col))} "
                          f"{_short(c.old)} -> {_short(c.new)}" for c in changes)
        lines.append(f"{who}: {cells}")
    budget = SCREEN - 10  # the run's own lines around the diff
    if len(lines) > budget:
        left = lines[budget - 1:]
        cells = sum(len(by_row[key]) for key in list(by_row)[budget - 1:])
        lines = lines[:budget - 1] + [
            f"… and {plural(len(left), 'more row')} ({cells} cells): "
            "--all lists every cell."]
    return "".join(line + "\n" for line in lines)

