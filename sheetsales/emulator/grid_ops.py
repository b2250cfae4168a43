"""Structural changes to a sheet's grid: inserting and deleting rows or columns, sorting, and
finding the "table" values.append writes after. Named ranges and row/column developer metadata
move with the rows and columns they sit on, as they do in Sheets.
"""

from __future__ import annotations

import copy
import functools

from . import presentation
from .cells import Cell, CellError
from .workbook import Box, Sheet, Spreadsheet, bad_request


def find_table(box: Box) -> Box | None:
    """The table values.append appends after.

    An approximation of Google's undocumented detection, fitted to the recorded traffic: blocks of
    touching (4-neighbour) non-empty cells that have a cell inside the searched box; the one whose
    bottom row is lowest wins, ties going to the rightmost. The recording shows that a row
    ``x, "", y`` appended to the whole sheet lands under ``y`` (table ``C1``), not under ``x``.
    """
    filled = {k for k, cell in box.sheet.cells.items() if not cell.is_blank()}
    seen, best = set(), None
    for start in sorted(filled):
        if start in seen or not (box.r0 <= start[0] < box.r1 and box.c0 <= start[1] < box.c1):
            continue
        block, todo = [], [start]
        seen.add(start)
        while todo:
            r, c = todo.pop()
            block.append((r, c))
            for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nxt in filled and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        rows, cols = [b[0] for b in block], [b[1] for b in block]
        candidate = Box(box.sheet, min(rows), min(cols), max(rows) + 1, max(cols) + 1)
        if best is None or (candidate.r1, candidate.c0) > (best.r1, best.c0):
            best = candidate
    return best


def insert_dimension(ss: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int,
                     inherit_from_before: bool = False) -> None:
    """Insert rows or columns [start, end); the grid grows by end - start."""
    count = end - start
    sheet.shift(dimension, start, count)
    if inherit_from_before and start > 0:
        axis = 0 if dimension == "ROWS" else 1
        for key, cell in [(k, v) for k, v in sheet.cells.items() if k[axis] == start - 1 and v.fmt]:
            for n in range(count):
                pos = (start + n, key[1]) if axis == 0 else (key[0], start + n)
                sheet.cells[pos] = Cell(fmt=copy.deepcopy(cell.fmt))
    _move_spans(ss, sheet.id, dimension, lambda a, b: _after_insert(a, b, start, count))


def delete_dimension(ss: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int) -> None:
    """Delete rows or columns [start, end); a sheet must keep at least one of each."""
    limit = sheet.rows if dimension == "ROWS" else sheet.columns
    end = min(end, limit)
    if start >= end:
        return
    if start == 0 and end == limit:
        what = "rows" if dimension == "ROWS" else "columns"
        raise bad_request(f"You can't delete all the {what} on the sheet.")
    sheet.shift(dimension, start, -(end - start))
    _move_spans(ss, sheet.id, dimension, lambda a, b: _after_delete(a, b, start, end))


def sort_rows(ss: Spreadsheet, box: Box, specs: list[tuple[int, bool]]) -> None:
    """Sort the rows of a box by (absolute column, ascending) specs. Blank cells sort last in
    either order; otherwise numbers < text (case-insensitive) < booleans < errors."""
    computed = ss.computer()
    rows = [[box.sheet.cells.get((r, c)) for c in range(box.c0, box.c1)] for r in range(box.r0, box.r1)]
    keys = [[computed(box.sheet, r, col) for col, _ in specs] for r in range(box.r0, box.r1)]

    def compare(a, b):
        for n, (_, ascending) in enumerate(specs):
            va, vb = keys[a][n], keys[b][n]
            if (va is None) != (vb is None):
                return 1 if va is None else -1
            if va is None:
                continue
            ka, kb = _sort_key(va), _sort_key(vb)
            if ka != kb:
                return (-1 if ka < kb else 1) * (1 if ascending else -1)
        return 0

    order = sorted(range(len(rows)), key=functools.cmp_to_key(compare))
    for new_r, old_r in enumerate(order):
        for j, cell in enumerate(rows[old_r]):
            pos = (box.r0 + new_r, box.c0 + j)
            if cell is None:
                box.sheet.cells.pop(pos, None)
            else:
                box.sheet.cells[pos] = cell


def _move_spans(ss: Spreadsheet, sheet_id: int, dimension: str, move) -> None:
    """Named ranges, merges, protected ranges and row/column metadata follow inserted and
    deleted rows or columns."""
    start_key, end_key = (("startRowIndex", "endRowIndex") if dimension == "ROWS"
                          else ("startColumnIndex", "endColumnIndex"))
    for named in ss.named_ranges:
        grid = named["range"]
        if grid.get("sheetId", 0) == sheet_id:
            start, end = move(grid.get(start_key, 0), grid.get(end_key))
            if start or start_key in grid:
                grid[start_key] = start
            if end is not None:
                grid[end_key] = end
    sheet = ss.sheet_by_id(sheet_id)
    merges = []
    for merge in sheet.merges if sheet is not None else []:
        start, end = move(merge[start_key], merge[end_key])
        if end > start:
            merges.append({**merge, start_key: start, end_key: end})
    if sheet is not None:
        sheet.merges = merges
        for protected in sheet.protected:  # a range emptied by a deletion stays, as a stub
            grid = protected["range"]
            start, end = move(grid.get(start_key, 0), grid.get(end_key))
            if start or start_key in grid:
                grid[start_key] = start
            if end is not None:
                grid[end_key] = end
    presentation.move_ranges(ss, sheet_id, start_key, end_key, move)
    kept = []
    for meta in ss.developer_metadata:
        span = meta["location"].get("dimensionRange")
        if span and span["sheetId"] == sheet_id and span["dimension"] == dimension:
            span["startIndex"], span["endIndex"] = move(span["startIndex"], span["endIndex"])
            if span["endIndex"] <= span["startIndex"]:
                continue  # its rows or columns were deleted, and the metadata with them
        kept.append(meta)
    ss.developer_metadata = kept


def _sort_key(value):
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, CellError):
        return (3, str(value))
    return (1, str(value).casefold())


def _after_insert(start, end, at, count):
    if start >= at:
        start += count
    if end is not None and end > at:
        end += count
    return start, end


def _after_delete(start, end, cut_start, cut_end):
    def moved(i):
        return i if i <= cut_start else (cut_start if i <= cut_end else i - (cut_end - cut_start))
    return moved(start), (None if end is None else moved(end))
