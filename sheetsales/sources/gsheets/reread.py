"""The re-read just before a write (see write.py): where the rows to write are now, and
whether the columns about to be claimed are still empty."""

import random
from collections.abc import Iterable

from ...core.model import SheetData
from ...core.cells import column_letters
from ...core.owned import REMINDER_HEADERS, REMINDER_ROW
from .source import Tab
from .batch import Cells, formula_cells, response_cells
from .rows import check_claims, check_formulas, check_olds, key_columns, place_rows

COLUMN_KEY = "sheetsales_column"
DUE_COLUMN = REMINDER_HEADERS.index("Due")
HEADER_SLACK = 10  # rows the header may move down between our read and our write
GRID_FIELDS = ("sheets(properties(sheetId),data(startRow,startColumn,"
               "rowData(values(userEnteredValue,effectiveValue))))")
_IDS = random.SystemRandom()


class Rereads:
    """GSheetTarget's re-reads (a mixin: the state is the target's)."""

    linked_rows: dict = {}  # tab title -> rows the Reminders sheet links to (Tab!A7)

    def _reread(self, deals: SheetData, tab: Tab, cells: Cells, owned: set[int],
                reminders: list[list] | None, olds: dict, claimed: list[int]):
        """One values:batchGet of the key column(s), the top rows, the columns being claimed
        (which must still be empty) and, with `olds`, the columns written (whose cells must
        still hold the old values); every row to write (and every row a reminder points at)
        found again. Returns the placement and the owned columns as re-read."""
        keys = key_columns(deals)
        top = min(tab.rows, deals.header_row + HEADER_SLACK)
        columns = sorted({c for _, c in olds})
        recorded = sorted(self._records.get(tab.id, {}))
        read = self.api.grid(self.key, [_columns(tab, keys), f"{tab.a1}!1:{top}"] +
                             [_columns(tab, [c]) for c in columns + claimed + recorded],
                             GRID_FIELDS)
        self.requests += 1
        now = response_cells(read, tab.id)  # values as Sheets computes them
        now_keys, now_top = _grid_rows(now, keys), _grid_rows(now, range(top), by_row=True)
        now_columns = [_grid_rows(now, [c]) for c in columns]
        now_claimed = [_grid_rows(now, [c]) for c in claimed]
        now_owned = {c: _grid_rows(now, [c]) for c in recorded}
        targets = {r + 1 for r, _ in cells}
        if reminders is not None:
            targets |= {r[REMINDER_ROW] for r in reminders[1:] if isinstance(r[REMINDER_ROW], int)}
        targets |= self.linked_rows.get(tab.title, set())  # several tabs: see tabs.py
        placement = place_rows(deals.title, dict(self.grid.rows(tab.title)), keys,
                               deals.header_row, targets, now_keys, now_top, owned)
        check_claims(tab.title, claimed, now_claimed)
        check_olds(deals.title, olds, dict(zip(columns, now_columns)), placement)
        check_formulas(tab.title, formula_cells(read, tab.id), cells, set(recorded), placement)
        return placement, now_owned


def _record_request(sheet_id: int, key: str, column: int) -> dict:
    """The ownership record of one status column: developer metadata on the column, with
    an id of our choosing, so that a retry of a write whose reply was lost is refused whole
    (the id exists) instead of recording the column twice."""
    return {"createDeveloperMetadata": {"developerMetadata": {
        "metadataId": _IDS.randint(1, 2**31 - 1),
        "metadataKey": COLUMN_KEY, "metadataValue": key, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                        "startIndex": column, "endIndex": column + 1}}}}}


def _grid_rows(cells: dict, columns, by_row: bool = False) -> list[list]:
    """Response cells ((row, column) -> value) as values:batchGet would give them: rows of
    the columns min..max of `columns`, or with `by_row` the rows `columns` (0-based) whole."""
    if by_row:
        rows = list(columns)
        width = max((c for r, c in cells if r in rows), default=-1) + 1
        found = [[cells.get((r, c), "") for c in range(width)] for r in rows]
    else:
        first, last = min(columns), max(columns)
        height = max((r for r, c in cells if first <= c <= last), default=-1) + 1
        found = [[cells.get((r, c), "") for c in range(first, last + 1)] for r in range(height)]
    while found and all(v == "" for v in found[-1]):
        found.pop()
    return [_trimmed(row) for row in found]


def _trimmed(row: list) -> list:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def _columns(tab: Tab, columns: Iterable[int]) -> str:
    """The A1 range of whole columns, e.g. 'Deals'!A:C."""
    return f"{tab.a1}!{column_letters(min(columns) + 1)}:{column_letters(max(columns) + 1)}"
