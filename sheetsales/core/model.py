"""The data everything passes around: the sheet as read, typed deals, findings, cell changes."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .cells import MAX_SERIAL, cell_name, from_serial, parse_ref
from .dates import ParsedDate, parse_text_date
from .errors import ERROR, INFO, SEVERITIES, WARNING  # noqa: F401 (their home is errors.py)
from .fields import DATE, NUMBER
from .numbers import parse_number
from .stages import Stage

Row = tuple[int, list[Any]]  # (1-based sheet row number, cell values from column A)



@dataclass
class SheetData:
    """A deals sheet as a source read it: the header row, which column holds which field, and
    the data rows with their 1-based sheet row numbers. Values are str, float, int, bool,
    date, datetime or None. `evidence` is what the sheet proved about itself, by kind
    ("header", "dates", "probability", "amounts", "ids", "stages"): see understand/."""

    source: str
    title: str
    header_row: int
    columns: dict[str, int]
    headers: dict[int, str]
    rows: list[tuple[int, list[Any]]]
    date1904: bool = False
    products: dict[str, dict] | None = None
    serial_dates: bool = True
    understanding: Any = None  # understand.Understanding: what was read from which column
    # (row, file line, sentence) where the file itself is damaged (a CSV's stray quote)
    damage: list[tuple[int, int, str]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)  # understand: what the columns prove


@dataclass(slots=True)
class Deal:
    """One deal row, typed. `values` holds the filled fields (dates as dates, numbers as
    floats); `raw` keeps the cell as read only where it differs (text dates, text amounts,
    unreadable cells; None when none does); `invalid` and `ambiguous` say why a filled cell
    has no typed value."""

    row: int
    values: dict[str, Any]
    raw: dict[str, Any] | None = None
    invalid: dict[str, str] | None = None
    ambiguous: dict[str, str] | None = None
    stage: Stage | None = None
    outcome: str | None = None  # from a status column apart from the stage (stages.phase_of)
    sheet: str | None = None  # the tab it is on: part of its identity in a pipeline of tabs

    @property
    def deal_id(self) -> str | None:
        return self.values.get("deal_id")

    def get(self, key):
        return self.values.get(key)

    def original(self, key):
        """The cell value as the sheet holds it."""
        raw = self.raw
        return raw[key] if raw and key in raw else self.values.get(key)

    def filled(self, key) -> bool:
        return key in self.values or (self.raw is not None and key in self.raw)

    def keep_raw(self, key, value) -> None:
        if self.raw is None:
            self.raw = {}
        self.raw[key] = value

    def problem(self, kind: str, key: str, detail: str) -> None:
        problems = getattr(self, kind)
        if problems is None:
            problems = {}
            setattr(self, kind, problems)
        problems[key] = detail


class Finding(NamedTuple):
    """One problem or reminder about one cell of one deal. (A named tuple: immutable, and
    five times quicker to make than a frozen dataclass; a big sheet has tens of
    thousands.)"""

    code: str
    severity: str
    sheet: str
    row: int
    column: str
    cell: str
    deal_id: str | None
    value: Any
    message: str
    hint: str
    due: dt.date | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet,
                "row": self.row, "column": self.column, "cell": self.cell,
                "deal_id": self.deal_id, "value": plain(self.value), "message": self.message,
                "hint": self.hint, "due": plain(self.due)}


class CellChange(NamedTuple):
    """A planned write of one cell: what it holds now and what it will hold. `row` and `col`
    are 1-based, as in A1; `cell` is the A1 reference ("Q12"). Make one from a reference
    with `CellChange.of`."""

    sheet: str
    row: int
    col: int
    old: Any
    new: Any

    @classmethod
    def of(cls, sheet: str, cell: str, old: Any, new: Any) -> "CellChange":
        return cls(sheet, *parse_ref(cell), old, new)

    @property
    def cell(self) -> str:
        return cell_name(self.row, self.col)


def plain(value):
    """A JSON/CSV-friendly form of a cell value."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def same_cell(old, new) -> bool:
    """Whether a cell already holds the value we would write (dates compare as dates)."""
    if old.__class__ is new.__class__ and old == new:
        return True
    if old is None:
        return is_blank(new)
    if is_blank(old) and is_blank(new):
        return True
    if isinstance(old, dt.datetime) and isinstance(new, dt.date) and not isinstance(new, dt.datetime):
        return old.date() == new and old.time() == dt.time()
    if isinstance(old, float) and isinstance(new, int) and not isinstance(new, bool):
        return old == new
    return old == new


def text_id(value) -> str | None:
    """A deal ID as text: 7.0 -> "7"; blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_date(value, sheet: SheetData, date_order, time_zone: str | None = None) -> ParsedDate:
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date())
    if isinstance(value, dt.date):
        return ParsedDate(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if sheet.serial_dates and 1 <= value <= MAX_SERIAL:
            return ParsedDate(from_serial(value, sheet.date1904))
        return ParsedDate(None, "invalid", f"the number {plain(value)} is not a date")
    if isinstance(value, bool):
        return ParsedDate(None, "invalid", f"{value} is not a date")
    return parse_text_date(str(value), date_order, time_zone)


# Text no rule, status or reminder reads: not kept per deal (it is most of a big sheet's
# memory), unless a stage's `required` names it.
UNCHECKED_FIELDS = frozenset({"notes", "lost_reason"})


SHARED_VALUES = 1024  # distinct values per column kept as one object each


class Learnt:
    """What typing rows has learnt, for the tabs of one pipeline to share: each field's
    repeated values (see RowTyper) and the stage each stage text matches."""

    def __init__(self):
        self.fields: dict[str, dict] = {}
        self.stages: dict = {}


class RowTyper:
    """Turns sheet rows into typed Deals: dates, numbers, the stage and the ID. Unreadable
    cells are kept in `invalid`/`ambiguous` for the rules to report.

    A column's repeated values (owners, stages, products, dates) are kept as one object each,
    up to SHARED_VALUES per column: a big sheet repeats them on every row, and a reader
    hands out a new object per cell."""

    def __init__(self, sheet: SheetData, fields, stages, date_order, time_zone=None,
                 learnt: Learnt | None = None):
        kinds = {f.key: f.kind for f in fields}
        required = {key for stage in stages.stages for key in stage.required}
        learnt = learnt or Learnt()
        self.plan = [(key, index, kinds.get(key), learnt.fields.setdefault(key, {}))
                     for key, index in sheet.columns.items()
                     if key not in UNCHECKED_FIELDS or key in required]
        self.width = max((index + 1 for _, index, _, _ in self.plan), default=0)
        self.sheet, self.stages, self.date_order = sheet, stages, date_order
        self.time_zone = time_zone
        self._stage_cache = learnt.stages
        # field -> {text: first row} of text dates and numbers: what understand/ reads proof from
        self.texts = {key: {} for key, _, kind, _ in self.plan if kind in (DATE, NUMBER)}

    def __call__(self, row: int, cells: list) -> Deal:
        values: dict = {}
        deal = Deal(row, values, sheet=self.sheet.title)
        if len(cells) < self.width:  # a short row: its missing cells are empty
            cells = [*cells, *[None] * (self.width - len(cells))]
        for key, index, kind, shared in self.plan:
            value = cells[index]
            cls = value.__class__
            if cls is str or cls is dt.date:  # keys that equal no value of another type
                if not value:
                    continue  # "": calamine's empty cell
                typed = shared.get(value)
                if typed is not None:  # the same cell as before in this column: typed alike
                    values[key] = typed
                    continue
            elif value is None:
                continue
            if cls is str:
                text = value.strip()
                if not text:
                    continue
                if kind != DATE and kind != NUMBER:
                    text = values[key] = shared.get(text, text)  # " Ana" shares "Ana"
                    if len(shared) < SHARED_VALUES:
                        shared[value] = shared[text] = text
                    continue
                value = text
            if kind == DATE:
                if cls is dt.date:
                    values[key] = value
                    if len(shared) < SHARED_VALUES:
                        shared[value] = value
                else:
                    self._date(deal, key, value)
            elif kind == NUMBER:
                number = value if cls is float else parse_number(value)
                if cls is str:
                    self.texts[key].setdefault(value, row)
                if number is None:
                    deal.keep_raw(key, value)
                    deal.problem("invalid", key, f"{plain(value)!r} is not a number")
                else:
                    values[key] = number
                    if cls is not float:
                        deal.keep_raw(key, value)
            else:
                values[key] = text_id(value) if key == "deal_id" else str(plain(value))
                deal.keep_raw(key, value)
        deal.stage = self._stage(values.get("stage"))
        return deal

    def _stage(self, text):
        if text not in self._stage_cache:
            self._stage_cache[text] = self.stages.match(text)
        return self._stage_cache[text]

    def _date(self, deal, key, value):
        deal.keep_raw(key, value)
        if value.__class__ is str:
            self.texts[key].setdefault(value, deal.row)
        parsed = read_date(value, self.sheet, self.date_order, self.time_zone)
        if parsed.date:
            deal.values[key] = parsed.date
        else:
            deal.problem(parsed.problem, key, parsed.detail)


def is_empty_row(cells) -> bool:
    return all(is_blank(c) for c in cells)
