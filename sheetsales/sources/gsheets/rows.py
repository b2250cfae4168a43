"""Finding the rows to write again, by Deal ID, just before the write and right after it.
Pure: the target does the reading and the writing.

Before (`place_rows`): the key column(s) and the top rows, re-read just before writing, say
where each row to write is now; a vanished or doubled ID, a row without ID once rows moved, or
a changed header row (columns inserted, moved or renamed) refuses the write.

After (`repair_cells`): the batchUpdate answers with the key columns, the top rows and the
written columns as they stand right after it, atomically with the write. When a person sorted
or inserted rows in the instant between the re-read and the write, the cells that landed on
the wrong rows are computed from what was read and planned, for one more batchUpdate."""

from dataclasses import dataclass

from ...core.errors import WriteConflict
from ...core.cells import cell_name, column_letters
from ...core.model import SheetData, is_blank, text_id
from ...core.owned import REMINDER_ROW
from .batch import (Cells, Placement, identities, retarget, same_header, same_old,
                            same_value)

IDENTITY_FIELDS = ("company", "contact", "email", "owner", "product")


def key_columns(deals: SheetData) -> list[int]:
    """The column(s) that identify a deal row: Deal ID, else the identity fields."""
    if "deal_id" in deals.columns:
        return [deals.columns["deal_id"]]
    found = [deals.columns[k] for k in IDENTITY_FIELDS if k in deals.columns]
    return sorted(found or deals.columns.values())


def place_rows(title: str, read_rows: dict[int, list], keys: list[int], header: int,
               targets: set[int], now_keys: list[list], now_top: list[list],
               owned: set[int]) -> Placement:
    """Where each target row (as read) is now, from the re-read key columns (`now_keys`, rows
    of the columns min(keys)..max(keys)) and top rows (`now_top`, from row 1)."""
    shift = min(keys)
    before = identities(read_rows, keys)
    now = identities({i + 1: [None] * shift + r for i, r in enumerate(now_keys)}, keys)
    rows, problems = retarget(targets | {header}, before, now)
    if problems:
        raise WriteConflict(f"{title} changed since sheetsales read it: {'; '.join(problems)}. "
                            "Nothing was written; run again")
    others = {r for r, i in before.items() if r > header and i is not None} - set(rows)
    found, _ = retarget(others, before, now)  # every other deal row, where it can be found
    rows = {**found, **rows}
    then = read_rows.get(header, [])
    new_header = rows[header]
    if new_header > len(now_top) or not same_header(then, now_top[new_header - 1], owned):
        raise WriteConflict(f"the columns of {title} changed since sheetsales read it (a column "
                            "was inserted, moved, deleted or renamed, or rows were added above "
                            "the header). Nothing was written; run again")
    return Placement(rows, keys, now, header, before.get(header), then)


def follow_moved(read_rows: dict[int, list], placement: Placement,
                 now_owned: dict[int, list[list]], planned: Cells) -> dict:
    """For every deal row that moved since the read, the owned cells (columns `now_owned`,
    as re-read) whose value at the row's new place is not what that deal shows (planned, or
    as read), and the planned ones: (read row - 1, column) -> (held there now, wanted). A
    person who sorted only some columns moved the deals away from their status cells; these
    put them back together, and what they held is what undo restores."""
    extra = {}
    for read, now in placement.rows.items():
        if read == now or read == placement.header:
            continue
        cells = read_rows.get(read, [])
        for column, rows in now_owned.items():
            held = rows[now - 1][0] if now - 1 < len(rows) and rows[now - 1] else None
            if (read - 1, column) in planned:
                wanted = planned[(read - 1, column)]
            else:
                wanted = cells[column] if column < len(cells) else None
            if not same_value(held, wanted) or (read - 1, column) in planned:
                extra[(read - 1, column)] = (held, wanted)
    return extra


def check_olds(title: str, olds: dict[tuple[int, int], object], now: dict[int, list[list]],
               placement: Placement) -> None:
    """Refuse when a cell to write (read position -> its old value) no longer holds that
    value where its row is now; `now` holds the re-read columns (column -> rows)."""
    stale = []
    for (r, c), old in sorted(olds.items()):
        row = placement.rows[r + 1] - 1
        cells = now.get(c, [])
        held = cells[row][0] if row < len(cells) and cells[row] else None
        if not same_old(held, old):
            stale.append(cell_name(row + 1, c + 1) +
                         (f" (was {cell_name(r + 1, c + 1)})" if row != r else ""))
    if stale:
        raise WriteConflict(f"{len(stale)} cell(s) of {title} changed since sheetsales read "
                            f"them ({', '.join(stale[:10])}); nothing was written")


def check_claims(title: str, claimed: list[int], now: list[list[list]]) -> None:
    """Refuse when a column sheetsales is about to claim (0-based, with its re-read cells)
    is no longer empty: a person typed there since the read."""
    for column, rows in zip(claimed, now):
        for r, cells in enumerate(rows):
            if cells and not is_blank(cells[0]):
                raise WriteConflict(
                    f"{title}!{cell_name(r + 1, column + 1)} now holds {cells[0]!r}, put there "
                    f"since sheetsales read the sheet, in column {column_letters(column + 1)} where "
                    "sheetsales was about to add its status columns. Nothing was written; run "
                    "again and sheetsales will put its columns right of it")


def check_formulas(title: str, formulas: dict[tuple[int, int], str], cells: Cells,
                   owned: set[int], placement: Placement) -> None:
    """Refuse, in one message naming them all, when status cells to write hold formulas a
    person typed (sheetsales never writes over a formula, as on .xlsx)."""
    typed = sorted((placement.rows[r + 1] - 1, c) for r, c in cells if c in owned and
                   r + 1 in placement.rows and (placement.rows[r + 1] - 1, c) in formulas)
    if typed:
        shown = ", ".join(f"{cell_name(r + 1, c + 1)} {formulas[(r, c)]!r}" for r, c in typed[:5])
        more = f" and {len(typed) - 5} more" if len(typed) > 5 else ""
        raise WriteConflict(
            f"{len(typed)} status cell(s) of {title} hold formulas a person typed ({shown}"
            f"{more}); sheetsales never writes over a formula: clear them or move the formulas "
            "out of its columns, then run again. Nothing was written")


def same_columns(then: list, now: list, skip: set[int]) -> bool:
    """Whether the header row right after a write still has every column as read, in its
    place, leaving out the columns in `skip` (sheetsales' own); a column a person added right
    of everything (typed into the empty columns, which the claim pushed right) moves nothing."""
    before = [text_id(v) for i, v in enumerate(then) if i not in skip]
    after = [text_id(v) for i, v in enumerate(now) if i not in skip]
    return (after + [None] * len(before))[:len(before)] == before


def remap_reminders(reminders: list[list] | None, rows: dict[int, int] | None):
    """The Reminders rows with their "Row" numbers moved to where the deals are now."""
    if reminders is None or not rows:
        return reminders
    return [reminders[0]] + [r[:REMINDER_ROW] + [rows.get(r[REMINDER_ROW], r[REMINDER_ROW])]
                             + r[REMINDER_ROW + 1:] for r in reminders[1:]]


@dataclass
class Repair:
    """The cells to write again, and where the rows are after the first write."""

    cells: Cells
    after: Placement
    gone: list[str]  # the deals deleted while sheetsales wrote
    before: dict  # (row, column) -> what the cell held before the run, for the journal


def repair_cells(title: str, read_rows: dict[int, list], written: Cells, placement: Placement,
                 post: dict[tuple[int, int], object], owned: set[int]) -> Repair | None:
    """None when every written row still holds the deal it was written for; else the
    repair. Raises WriteConflict when the change cannot be followed (IDs vanished or doubled,
    columns moved, or our own write changed the IDs)."""
    keys = placement.keys
    post_rows: dict[int, list] = {}
    for (r, c), value in post.items():
        if c in keys:
            post_rows.setdefault(r + 1, [None] * (max(keys) + 1))[c] = value
    post_ids = identities(post_rows, keys)
    header_rows = [r for r, i in post_ids.items() if i == placement.header_id]
    if len(header_rows) != 1:
        raise _conflict(title, "its header row moved out of reach")
    header_now = header_rows[0]
    header_cells = [None] * (max([c for r, c in post if r == header_now - 1], default=-1) + 1)
    for (r, c), value in post.items():
        if r == header_now - 1:
            header_cells[c] = value
    written_in_header = {c for r, c in written if r == header_now - 1}
    if not same_columns(placement.header_cells, header_cells, owned | written_in_header):
        raise _conflict(title, "a column was inserted, moved or renamed")
    ids_written = {r + 1 for r, c in written if c in keys}
    checked = ({r + 1 for r, _ in written} | set(placement.rows.values())) - ids_written
    if all(post_ids.get(r) == placement.now.get(r) for r in checked):
        return None
    if ids_written:
        raise _conflict(title, "rows moved while Deal IDs were being written")
    mapping, problems = retarget(set(placement.rows.values()) | {r + 1 for r, _ in written},
                                 placement.now, post_ids, allow_vanished=True)
    if problems:
        raise _conflict(title, "; ".join(problems))
    # a deal deleted meanwhile gets nothing; what landed where it was is put right below
    fixed: Cells = {(mapping[r + 1] - 1, c): v for (r, c), v in written.items()
                    if r + 1 in mapping}
    for read, now in placement.rows.items():  # every deal keeps all its status cells
        if read == placement.header or now not in mapping:
            continue
        cells = read_rows.get(read, [])
        for column in owned:
            fixed.setdefault((mapping[now] - 1, column),
                             cells[column] if column < len(cells) else None)
    first_row = {}
    for row, ident in sorted(identities(read_rows, keys).items(), reverse=True):
        if ident is not None:
            first_row[ident] = row
    for r, c in written:
        if (r, c) in fixed:
            continue
        occupant = post_ids.get(r + 1)
        source = first_row.get(occupant) if occupant is not None else None
        if source is not None:
            cells = read_rows[source]
            fixed[(r, c)] = cells[c] if c < len(cells) else None
        elif c in owned:  # a blank row, or a deal not read: all its status cells cleared
            for column in owned:
                fixed.setdefault((r, column), None)
        else:
            raise _conflict(title, f"row {r + 1} is new and its cells cannot be restored")
    ids_now = set(post_ids.values())

    def read_value(ident, c):
        cells = read_rows.get(first_row.get(ident), []) if ident is not None else []
        return cells[c] if c < len(cells) else None

    def stayed(c) -> bool:
        """Whether the rows moved without column c (a sort of some columns only): on the
        moved rows our write did not touch, c still shows the deal that was there before."""
        kept = moved = 0
        for row, was in placement.now.items():
            occupant = post_ids.get(row)
            if was is None or occupant is None or occupant == was or (row - 1, c) in written:
                continue
            held = post.get((row - 1, c))
            kept += same_value(held, read_value(was, c))
            moved += same_value(held, read_value(occupant, c))
        return kept > moved

    still = {c for _, c in written if stayed(c)}

    def prior(r, c):
        """What the cell at (r, c) held just before the run wrote it: untouched by the first
        write, what the response shows there; written, the value of the deal it showed then
        (the deal there now, unless its column stayed put while the rows moved; a deal
        renamed meanwhile: the value under its old name; a blank or new row: nothing)."""
        if (r, c) not in written:
            return post.get((r, c))
        occupant = post_ids.get(r + 1)
        intended = placement.now.get(r + 1)
        if c in still or (occupant is not None and occupant not in first_row
                          and intended not in ids_now):
            return read_value(intended, c)
        return read_value(occupant, c)

    before = {k: prior(*k) for k in set(written) | set(fixed)}
    fixed = {k: v for k, v in fixed.items() if not same_value(post.get(k), v)}
    after = Placement({read: mapping[now] for read, now in placement.rows.items()
                       if now in mapping}, keys, post_ids, placement.header,
                      placement.header_id, placement.header_cells)
    gone = sorted({placement.now[r] for r in placement.rows.values() if r not in mapping
                   and placement.now.get(r) is not None})
    return Repair(fixed, after, [_id_text(i) for i in gone], before)


def _id_text(ident) -> str:
    return "/".join("" if v is None else str(v) for v in ident)


def _conflict(title: str, why: str) -> WriteConflict:
    return WriteConflict(f"{title} changed while sheetsales was writing to it ({why}); some "
                         "status cells may be on the wrong rows: run again to put them right")
