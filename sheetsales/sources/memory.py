"""An in-memory grid: sheets as lists of rows, for tests and for callers that already hold
the values."""

from collections.abc import Iterator

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

    def rows(self, title: str) -> Iterator[Row]:
        return ((i + 1, list(cells)) for i, cells in enumerate(self._sheets[title]))
