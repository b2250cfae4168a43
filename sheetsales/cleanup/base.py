"""What every cleaner shares: the deals sheet as read (cells untouched, spaces and all), the
options a user can give, and what a cleaner hands back."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.cells import column_letter
from ..core.similar import DUPE_DAYS
from ..core.fields import IDENTITY_FIELDS
from ..core.model import CellChange, SheetData, is_blank
from ..core.errors import SheetsalesError
from ..understand import locate_sheets


@dataclass
class Table:
    """The deals sheet with every cell as the source read it (text untrimmed), addressed by
    1-based sheet row and 0-based column. `deals` lists the rows that are deals, by the same
    rule `check` uses; cleaners touch only those rows."""

    title: str
    header_row: int
    columns: dict[str, int]
    headers: dict[int, str]
    rows: dict[int, list[Any]]
    serial_dates: bool = True
    deals: list[int] | None = None

    def __post_init__(self):
        if self.deals is None:
            identity = [self.columns[k] for k in IDENTITY_FIELDS if k in self.columns]
            self.deals = [r for r in sorted(self.rows)
                          if any(not is_blank(self.get(r, i)) for i in identity)]

    @classmethod
    def from_sheet(cls, sheet: SheetData) -> "Table":
        """Read every data row of `sheet` (this consumes its row iterator)."""
        rows = {number: list(cells) for number, cells in sheet.rows}
        return cls(sheet.title, sheet.header_row, dict(sheet.columns), dict(sheet.headers),
                   rows, sheet.serial_dates)

    def copy(self) -> "Table":
        return Table(self.title, self.header_row, self.columns, self.headers,
                     {r: list(cells) for r, cells in self.rows.items()}, self.serial_dates,
                     list(self.deals))

    def get(self, row: int, col: int):
        cells = self.rows.get(row, ())
        return cells[col] if col < len(cells) else None

    def value(self, row: int, key: str):
        """The cell of field `key` in `row`; None when the sheet has no such column."""
        col = self.columns.get(key)
        return None if col is None else self.get(row, col)

    def set(self, row: int, col: int, value) -> None:
        cells = self.rows.setdefault(row, [])
        if col >= len(cells):
            cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = value

    def cell(self, row: int, col: int) -> str:
        return f"{column_letter(col)}{row}"

    def ref(self, row: int, col: int) -> str:
        """The cell as people and findings name it: Deals!F12."""
        return f"{self.title}!{self.cell(row, col)}"

    def header(self, col: int) -> str:
        return self.headers.get(col, column_letter(col))

    def apply(self, changes: Iterable[CellChange]) -> "Table":
        """A copy holding what the sheet will hold once `changes` are written, as a source
        would read it back ("" reads as an empty cell); its deal rows are found afresh."""
        table = self.copy()
        for change in changes:
            table.set(change.row, change.col - 1, None if change.new == "" else change.new)
        return Table(table.title, table.header_row, table.columns, table.headers, table.rows,
                     table.serial_dates)


def read_table(grid, config) -> Table:
    """Locate the deals sheet in `grid` and read it for cleaning; a workbook with deals on
    several tabs is read_tables' (this one refuses it rather than take a silent first tab)."""
    tables = read_tables(grid, config)
    if len(tables) > 1:
        raise SheetsalesError(f"{grid.name} has deals on several tabs "
                              f"({', '.join(repr(t.title) for t in tables)}); read them with "
                              "read_tables, or choose one with --sheet NAME")
    return tables[0]


def read_tables(grid, config) -> list[Table]:
    """Every deals tab of `grid`, as `check` finds them (understand.locate_sheets), read for
    cleaning."""
    return [Table.from_sheet(s) for s in locate_sheets(grid, config).sheets]


@dataclass(frozen=True)
class CleanOptions:
    """What a user can decide for a clean: `mappings` (cell text -> stage, from --map
    "Pitching=Proposal"), `dupe_days` (how close the created dates of a possible duplicate
    are), `reserved_ids` (IDs used before, from the run history, never handed out
    again) and `typed_dates` (whether the source holds real date cells; None: as the sheet
    says, so a CSV gets ISO text), `formula_guard` (whether cleaned text that a spreadsheet
    would read as a formula is left as it was; None: as the sheet says, so a CSV is
    guarded, while the xlsx and Google Sheets writers always store text as text). `locked` names cells the writer will refuse ("F12" ->
    "holds a formula"): their fixes are reported as left alone instead, so the dry run
    shows exactly what --apply can write."""

    mappings: dict[str, str] = field(default_factory=dict)
    dupe_days: int = DUPE_DAYS
    reserved_ids: frozenset = frozenset()
    typed_dates: bool | None = None
    formula_guard: bool | None = None
    locked: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A cell a cleaner left alone, and why (with what the user can do about it)."""

    cell: str
    value: Any
    reason: str
    kind: str = ""


@dataclass(frozen=True)
class DuplicateGroup:
    """Deal rows that look like one deal, shown side by side: `values` holds one tuple per
    row, aligned with `headers`. `kind` is "same_id" (one ID, different content), "exact"
    (one ID, same content) or "similar" (likely one deal entered twice: core/similar.py);
    `new_ids` are the fresh IDs the clean gives colliding rows."""

    kind: str
    reason: str
    rows: tuple[int, ...]
    headers: tuple[str, ...]
    values: tuple[tuple, ...]
    new_ids: dict[int, Any] = field(default_factory=dict)


@dataclass
class Step:
    """What one cleaner proposes: cell edits ((row, col) -> new value), cells left alone,
    sheet-level notes, duplicate groups and Flags texts (row -> text)."""

    edits: dict[tuple[int, int], Any] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    groups: list[DuplicateGroup] = field(default_factory=list)
    flags: dict[int, list[str]] = field(default_factory=dict)

    def flag(self, row: int, text: str) -> None:
        self.flags.setdefault(row, []).append(text)


def missing_column(header: str, kind: str) -> Step:
    """A cleaner's outcome when the column it cleans is absent."""
    return Step(notes=[f"{kind}: the sheet has no {header} column, so there is nothing to "
                       f"clean there (map one under [columns] if it has another name)"])
