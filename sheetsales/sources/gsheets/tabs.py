"""A pipeline kept over several tabs of one Google Sheet, written as one: each deals tab gets
its own verified write (its re-read or claim, its owned cells through their ownership
records, its verification), one after the other, and the one Reminders sheet rides in the
last tab's batchUpdate, its "Row" links (`Bob!A7`) moved to where each tab's deals are now.

Requests: the read's 3, then 3 per deals tab that has something to write, 1 (its re-read) per
tab with nothing to write that a rewritten Reminders sheet links to, none for the others:
constant in the number of rows, linear in the number of tabs. A refusal on a later tab leaves the earlier tabs
written, journaled for undo, and says so."""

from collections.abc import Iterable

from ...core.errors import WriteConflict
from ...core.model import CellChange
from ...core.owned import REMINDER_ROW, tab_row


def remap_tab_rows(reminders: list[list] | None,
                   placements: dict[str, dict[int, int]]) -> list[list] | None:
    """The Reminders rows with their `Tab!A7` links moved to where each tab's deals are now
    (`placements`: tab title -> row as read -> row now)."""
    if reminders is None or not placements:
        return reminders
    moved = [reminders[0]]
    for row in reminders[1:]:
        found = tab_row(row[REMINDER_ROW] if len(row) > REMINDER_ROW else None)
        rows = placements.get(found[0]) if found else None
        if rows is not None and found[1] in rows:
            row = row[:REMINDER_ROW] + [f"{found[0]}!A{rows[found[1]]}"] + row[REMINDER_ROW + 1:]
        moved.append(row)
    return moved


def linked_rows(reminders: list[list] | None) -> dict[str, set[int]]:
    """Tab title -> the rows the Reminders sheet's `Tab!A7` links point at."""
    found: dict[str, set[int]] = {}
    for row in (reminders or [])[1:]:
        where = tab_row(row[REMINDER_ROW] if len(row) > REMINDER_ROW else None)
        if where:
            found.setdefault(where[0], set()).add(where[1])
    return found


def write_tabs(target, plan) -> str:
    """Apply a run's plan over several deals tabs (see the module docstring); says what was
    written, tab by tab. A tab with nothing to write that the rewritten Reminders sheet links
    to is re-read (1 request), so its links follow rows sorted meanwhile."""
    by_tab = _by_tab(plan.changes)
    target.linked_rows = linked = linked_rows(plan.reminders)
    jobs = []
    for part in plan.report.parts():
        title = part.sheet.title
        layout = plan.layouts[title]
        owned = target.owned_columns(title)
        claims = {k: c for k, c in layout.columns.items() if owned.get(k) != c}
        if by_tab.get(title) or claims or linked.get(title):
            jobs.append((part.sheet, by_tab.get(title, []), set(layout.columns.values()), claims))
    if not jobs and (plan.reminders is not None or plan.summary is not None):
        # sheetsales' own sheets ride in a deals tab's write: the first tab's, of no cells
        first = plan.report.parts()[0]
        jobs.append((first.sheet, [], set(plan.layouts[first.sheet.title].columns.values()), {}))
    last = len(jobs) - 1
    return _each(target, [
        (deals.title, lambda i=i, job=(changes, deals, owned, claims): target._write(
            *job, plan.reminders if i == last else None, check_old=False))
        for i, (deals, changes, owned, claims) in enumerate(jobs)])


def apply_tabs(target, changes: Iterable[CellChange], parts) -> str:
    """Write cell changes (undo) over several deals tabs through `target.apply_cells`, each
    tab's re-targeted by Deal ID on its own; changes on other sheets go last, where they
    were read."""
    by_tab = _by_tab(changes)
    jobs, placed = [], set()
    for part in parts:
        tab = target.grid.tab(part.sheet.title)
        found = [c for title, group in by_tab.items() if target.grid.tab(title) is tab
                 for c in group]
        placed |= {id(c) for c in found}
        if found:
            jobs.append((part.sheet.title, lambda found=found, sheet=part.sheet:
                         target.apply_cells(found, deals=sheet)))
    rest = [c for group in by_tab.values() for c in group if id(c) not in placed]
    if rest:
        jobs.append((None, lambda: target.apply_cells(rest)))
    return _each(target, jobs)


def _each(target, jobs) -> str:
    """Run each tab's write in turn, keeping in `target.written` what every one landed."""
    done: list[CellChange] = []
    lines, written = [], []
    for title, write in jobs:
        target.written = []
        try:
            line = write()
        except WriteConflict as error:
            target.written = done + target.written
            if not written:
                raise
            raise WriteConflict(f"{title or 'the other sheets'}: {error}; "
                                f"{', '.join(map(repr, written))} had already been written "
                                "(journaled: undo takes it back, or run again to finish)") \
                from None
        except BaseException:
            target.written = done + target.written
            raise
        done += target.written
        if title:
            written.append(title)
        lines.append(f"{title}: {line}" if title else line)
    target.written = done
    return "; ".join(lines) if lines else f"nothing to write to {target.name}"


def _by_tab(changes: Iterable[CellChange]) -> dict[str, list[CellChange]]:
    found: dict[str, list[CellChange]] = {}
    for change in changes:
        found.setdefault(change.sheet, []).append(change)
    return found
