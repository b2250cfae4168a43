"""Several CSV files read as one pipeline: each file a tab, named after the file (a second
file of the same name gets its folder's name in front). Read only: `check` takes it; `run`
writes no CSV."""

from collections.abc import Iterator
from pathlib import Path

from ..core.errors import SourceError
from .base import Row
from .csv import CsvGrid


class SeveralCsv:
    """CSV files as the tabs of one grid (see the module docstring)."""

    date1904 = False
    serial_dates = False

    def __init__(self, opened: list[tuple[Path, object]]):
        """`opened`: each file's path and its grid (sources.open_grid's, which refuses a
        missing or unreadable file clearly)."""
        self.grids: dict[str, CsvGrid] = {}
        for path, grid in opened:
            path = Path(path)
            if not isinstance(grid, CsvGrid):
                raise SourceError(f"{path} is not a .csv file; several sources are read as one "
                                  "pipeline only when every one is a CSV file (a workbook's "
                                  "tabs are read together already)")
            title = path.stem
            if title in self.grids:
                title = f"{path.parent.name}/{path.stem}"
            if title in self.grids:
                raise SourceError(f"{path} is given twice; give each CSV file once")
            self.grids[title] = grid
        self.name = " + ".join(g.name for g in self.grids.values())

    def sheet_names(self) -> list[str]:
        return list(self.grids)

    def rows(self, title: str) -> Iterator[Row]:
        return self.grids[title].rows(title)

    def row_count(self, title: str) -> int | None:
        return None

    def used_width(self, title: str) -> int:
        return self.grids[title].used_width(title)

    def release(self, title: str) -> None:
        """Nothing held: each file's rows are parsed again on each pass."""
