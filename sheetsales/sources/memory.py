"""An in-memory grid: sheets as lists of rows, for tests and for callers that already hold
the values."""

from collections.abc import Iterator

from ..core.owned import REMINDERS_SHEET

from .base import Row


class MemoryGrid:
    def __init__(self, sheets: dict[str, list[list]], name: str = "memory",
                 date1904: bool = False, serial_dates: bool = True):
        self.name = name
        self._sheets = sheets
        self.date1904 = date1904
        self.serial_dates = serial_dates

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def row_count(self, title: str) -> int | None:
        return len(self._sheets[title])

    def used_width(self, title: str) -> int:
        return max((len(r) for r in self._sheets[title]), default=0)

    def release(self, title: str) -> None:
        """The rows are the caller's: they stay."""

    def rows(self, title: str) -> Iterator[Row]:
        return ((i + 1, list(cells)) for i, cells in enumerate(self._sheets[title]))


class MemoryTarget:
    """A run target over a MemoryGrid: writes land in the grid's rows; used by tests."""

    def __init__(self, grid: MemoryGrid):
        self.grid = grid
        self.name = grid.name
        self.owned: dict[str, dict[str, int]] = {}
        self.reminders_owned = False
        self.writes = 0
        self.written: list = []

    def owned_columns(self, title: str) -> dict[str, int]:
        return dict(self.owned.get(title, {}))

    def used_width(self, title: str) -> int:
        return self.grid.used_width(title)

    def reminders_state(self) -> str:
        if REMINDERS_SHEET not in self.grid.sheet_names():
            return "absent"
        return "ours" if self.reminders_owned else "theirs"

    def write(self, plan) -> str:
        sheets = self.grid._sheets
        for change in plan.changes:
            row, column = change.row - 1, change.col - 1
            rows = sheets[change.sheet]
            while len(rows) <= row:
                rows.append([])
            rows[row].extend([None] * (column + 1 - len(rows[row])))
            rows[row][column] = change.new
        for title, layout in plan.layouts.items():
            self.owned[title] = dict(layout.columns)
        if plan.reminders is not None:
            sheets[REMINDERS_SHEET] = [list(r) for r in plan.reminders]
            self.reminders_owned = True
        self.writes += 1
        self.written = list(plan.changes)
        return f"wrote {len(plan.changes)} cells"

    def close(self) -> None:
        pass
