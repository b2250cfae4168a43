"""What sources are to the rest of sheetsales: a Grid is read (plain cell values in), a Target
is written (planned cell changes out). Sources never see plans, rules or config files."""

from collections.abc import Iterator
from typing import Protocol

from ..core.model import CellChange, Row


class Grid(Protocol):
    """A readable workbook: sheet titles and the rows of one sheet."""

    name: str
    date1904: bool
    serial_dates: bool

    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> Iterator[Row]: ...

    def row_count(self, sheet: str) -> int | None: ...

    def used_width(self, sheet: str) -> int: ...

    def release(self, sheet: str) -> None:
        """Let go of the sheet's cells held in memory; a later rows() reads them again."""


class Target(Protocol):
    """A source sheetsales can write back to (an .xlsx workbook, a Google Sheet)."""

    name: str
    grid: Grid
    written: list[CellChange]  # after a write: the cells as they landed (for the journal)

    def owned_columns(self, title: str) -> dict[str, int]:
        """Status field key -> 0-based column the workbook records as sheetsales'."""

    def used_width(self, title: str) -> int:
        """How many columns the sheet uses (its used range's right edge)."""

    def reminders_state(self) -> str:
        """"absent", "ours" (carries sheetsales' marker) or "theirs" (a user's sheet)."""

    def write(self, plan) -> str:
        """Apply a run's plan (plan.Plan) in one write; returns one line saying what was
        written."""

    def apply_cells(self, changes: list[CellChange]) -> str:
        """Write arbitrary planned cell changes (cleanups, undo) with the same safety net."""

    def close(self) -> None:
        """Let go of connections or files."""
