"""What sources are to the rest of sheetsales: a Grid is read (plain cell values in), a Target
is written (planned cell changes out). Sources never see plans, rules or config files."""

from collections.abc import Iterator
from dataclasses import dataclass, field
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


# How sheetsales presents what it owns: plain values a target applies as it can (the .xlsx
# writer in full; other targets may ignore them).

HEADER_FILL = "DDEBF7"  # its sheets' header fill: the light blue of Excel's own table headers

@dataclass(frozen=True)
class Colour:
    """A conditional format of the status column: cells beginning with `text` get that font
    colour and fill (RRGGBB)."""

    text: str
    font: str
    fill: str


@dataclass
class ColumnLook:
    """The dress of sheetsales' columns on a deals sheet: header cells styled like the user's
    header, widths that fit, the sheet's filter and Excel Table extended over them, and the
    status column's colours. Rows and columns are 1-based."""

    header_row: int
    headers: dict[int, str]  # owned column -> its header text
    widths: dict[int, float]
    last_row: int  # the last deal row
    status_column: int | None = None
    colours: tuple[Colour, ...] = ()


@dataclass
class Chart:
    """A native column chart on an owned sheet: the values in column `values` against the
    categories in column `categories` over sheet rows `rows` (first, last; 1-based), placed
    with its top left at `anchor` (0-based column, row) and `size` cells wide and high."""

    title: str
    series: str
    rows: tuple[int, int]
    categories: int
    values: int
    colour: str  # RRGGBB of the bars
    anchor: tuple[int, int]
    size: tuple[int, int] = (8, 16)
    number_format: str = "#,##0"
    points: tuple[tuple[int, str], ...] = ()  # (0-based bar, RRGGBB): bars coloured apart


@dataclass
class SheetLook:
    """How an owned sheet is presented: its header row (bold and filled, frozen, filtered),
    column widths, internal links ((row, column) -> "'Deals'!A12"), rows styled as titles or
    headings, per-column number formats, and charts."""

    header_row: int | None = 1
    widths: dict[int, float] = field(default_factory=dict)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    titles: tuple[int, ...] = ()
    headings: tuple[int, ...] = ()
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> code
    charts: tuple[Chart, ...] = ()
    freeze: bool = True
    autofilter: bool = True
