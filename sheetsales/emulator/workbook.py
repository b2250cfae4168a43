"""Spreadsheets held in memory: sheets, the cell grid, range resolution, reads and writes.

Longer than 300 lines because ranges, reads and writes share the grid's invariants (sizes,
merges) in one class.

Everything here is plain Python with no HTTP: ``sheets_api.py`` turns requests into calls on
these objects and ``ApiError`` into Google-shaped JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass

from .a1 import ParsedRange, RangeParseError, Ref, format_box, parse_range, quote_title
from .cells import Cell, CellError, json_number, parse_user_entered, render
from .formulas import evaluate

DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
                502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
                   "italic": False, "strikethrough": False, "underline": False,
                   "foregroundColorStyle": {"rgbColor": {}}},
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}), ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME = {"primaryFontFamily": "Arial",
                 "themeColors": [{"colorType": kind, "color": {"rgbColor": rgb}} for kind, rgb in _THEME_COLORS]}


# Google's text for a write into a protected range (quoted in public bug reports and apps
# that relay it, with HTTP 400; the "status" is not in any recorded response we have)
PROTECTED = ("You are trying to edit a protected cell or object. Please contact the spreadsheet "
             "owner to remove protection if you need to edit.")


class ApiError(Exception):
    """An error the API answers with: HTTP code, message, canonical status, optional details."""

    def __init__(self, code: int, message: str, status: str | None = None, details: list | None = None,
                 errors: list | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = STATUS_NAMES.get(code, "UNKNOWN") if status is None else status
        self.details, self.errors = details, errors  # errors: the Drive v3 style list

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        if self.errors:
            error["errors"] = self.errors
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@dataclass
class Box:
    """A bounded rectangle of one sheet; ends are exclusive."""

    sheet: Sheet
    r0: int
    c0: int
    r1: int
    c1: int

    def a1(self) -> str:
        return format_box(self.sheet.title, self.r0, self.c0, self.r1, self.c1)

    def grid_range(self) -> dict:
        return {"sheetId": self.sheet.id, "startRowIndex": self.r0, "endRowIndex": self.r1,
                "startColumnIndex": self.c0, "endColumnIndex": self.c1}


class Sheet:
    """One tab: its properties (as the API returns them) and a sparse grid of cells."""

    def __init__(self, sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS,
                 columns: int = DEFAULT_COLUMNS):
        self.props = {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID",
                      "gridProperties": {"rowCount": rows, "columnCount": columns}}
        self.cells: dict[tuple[int, int], Cell] = {}
        self.merges: list[dict] = []  # GridRanges, as spreadsheets.get returns them
        self.protected: list[dict] = []  # ProtectedRanges, as spreadsheets.get returns them
        # the presentation (presentation.py), as spreadsheets.get returns it
        self.conditional_formats: list[dict] = []
        self.charts: list[dict] = []
        self.basic_filter: dict | None = None
        self.sizes: dict[tuple[str, int], int | None] = {}  # (ROWS or COLUMNS, index) -> pixels

    id = property(lambda self: self.props["sheetId"])
    title = property(lambda self: self.props["title"])
    rows = property(lambda self: self.props["gridProperties"]["rowCount"])
    columns = property(lambda self: self.props["gridProperties"]["columnCount"])

    def set_size(self, rows: int, columns: int) -> None:
        """Resize the grid; cells that fall outside are dropped, as in Sheets."""
        self.props["gridProperties"]["rowCount"] = rows
        self.props["gridProperties"]["columnCount"] = columns
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < columns}

    def cell(self, row: int, col: int) -> Cell:
        """The cell at (row, col), created on first use."""
        return self.cells.setdefault((row, col), Cell())

    def tidy(self, row: int, col: int) -> None:
        cell = self.cells.get((row, col))
        if cell is not None and cell.is_unused():
            del self.cells[(row, col)]

    def shift(self, dimension: str, start: int, count: int) -> None:
        """Insert (count > 0) or delete (count < 0) rows/columns at start; cells move with them."""
        axis = 0 if dimension == "ROWS" else 1
        moved = {}
        for key, cell in self.cells.items():
            pos = key[axis]
            if count < 0 and start <= pos < start - count:
                continue  # deleted
            if pos >= (start if count > 0 else start - count):
                pos += count
            moved[(pos, key[1]) if axis == 0 else (key[0], pos)] = cell
        self.cells = moved
        grid = self.props["gridProperties"]
        grid["rowCount" if axis == 0 else "columnCount"] += count


class Spreadsheet:
    """A spreadsheet file: properties, ordered sheets, named ranges and developer metadata."""

    def __init__(self, spreadsheet_id: str, title: str, created: str, new_id):
        self.id = spreadsheet_id
        self.properties = {"title": title, "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT",
                           "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                           "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME)}
        self.sheets: list[Sheet] = []
        self.named_ranges: list[dict] = []
        self.developer_metadata: list[dict] = []
        self.created = self.modified = created
        self.private = False  # exists, but is not shared with the caller: answers 403
        self.parents: list[str] = []  # Drive folders
        self._new_id = new_id  # callable returning a fresh random positive int

    title = property(lambda self: self.properties["title"])

    # ---- sheets ---------------------------------------------------------------------------

    def add_sheet(self, title: str | None = None, rows: int = DEFAULT_ROWS, columns: int = DEFAULT_COLUMNS,
                  index: int | None = None, sheet_id: int | None = None) -> Sheet:
        if title is None:
            n = len(self.sheets) + 1
            while self.find_sheet(f"Sheet{n}"):
                n += 1
            title = f"Sheet{n}"
        if self.find_sheet(title, exact=True) is not None:
            raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
        if sheet_id is None:
            sheet_id = 0 if not self.sheets else self._new_id()
        elif self.sheet_by_id(sheet_id) is not None:
            raise bad_request(f"A sheet with the id {sheet_id} already exists.")
        sheet = Sheet(sheet_id, title, 0, rows, columns)
        position = len(self.sheets) if index is None else max(0, min(index, len(self.sheets)))
        self.sheets.insert(position, sheet)
        self.reindex()
        return sheet

    def delete_sheet(self, sheet_id: int) -> None:
        sheet = self.require_sheet(sheet_id)
        if len(self.sheets) == 1:
            raise bad_request("You can't remove all the sheets in a document.")
        self.sheets.remove(sheet)
        self.named_ranges = [n for n in self.named_ranges if n["range"].get("sheetId", 0) != sheet_id]
        self.developer_metadata = [m for m in self.developer_metadata if _metadata_sheet(m) != sheet_id]
        self.reindex()

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    def find_sheet(self, title: str, exact: bool = False) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        if not exact:
            for sheet in self.sheets:
                if sheet.title.casefold() == title.casefold():
                    return sheet
        return None

    def protect(self, protected: dict, by_caller: bool) -> dict:
        """Store a ProtectedRange (addProtectedRange, or a person protecting a range in the
        UI: `by_caller` False, so the API caller is not among its editors)."""
        span = protected.get("range")
        if not isinstance(span, dict):
            raise bad_request("A protected range must have a range.")
        sheet = self.require_sheet(span.get("sheetId", 0))
        stored = {**copy.deepcopy(protected), "protectedRangeId": self._new_id(),
                  "requestingUserCanEdit": by_caller}
        stored["range"] = {**span, "sheetId": sheet.id}
        sheet.protected.append(stored)
        return copy.deepcopy(stored)

    def unprotect(self, protected_range_id) -> None:
        """deleteProtectedRange."""
        for sheet in self.sheets:
            kept = [p for p in sheet.protected if p["protectedRangeId"] != protected_range_id]
            if len(kept) != len(sheet.protected):
                sheet.protected = kept
                return
        raise bad_request(f"No protected range with id: {protected_range_id}")

    def sheet_by_id(self, sheet_id) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def require_sheet(self, sheet_id) -> Sheet:
        sheet = self.sheet_by_id(sheet_id)
        if sheet is None:
            raise bad_request(f"No grid with id: {sheet_id}")
        return sheet

    # ---- ranges ---------------------------------------------------------------------------

    def locate(self, text: str) -> tuple[Sheet, Ref]:
        """The sheet and (unbounded) reference an A1 range names; 400 if it names nothing."""
        try:
            parsed: ParsedRange = parse_range(text)
        except RangeParseError:
            raise bad_request(f"Unable to parse range: {text}") from None
        whole = Ref(0, 0, None, None)
        if parsed.sheet is not None:
            sheet = self.find_sheet(parsed.sheet)
            if sheet is None:
                raise bad_request(f"Unable to parse range: {text}")
            return sheet, parsed.ref or whole
        sheet = self.find_sheet(parsed.bare)
        if sheet is not None:
            return sheet, whole
        named = next((n for n in self.named_ranges if n["name"].casefold() == parsed.bare.casefold()), None)
        if named is not None:
            return self.ref_of_grid_range(named["range"])
        if parsed.ref is not None:
            return self.sheets[0], parsed.ref
        raise bad_request(f"Unable to parse range: {text}")

    def box(self, text: str) -> Box:
        """The bounded box an A1 range covers; open sides stop at the grid's edge."""
        sheet, ref = self.locate(text)
        return bound(sheet, ref)

    def ref_of_grid_range(self, grid_range: dict) -> tuple[Sheet, Ref]:
        sheet = self.require_sheet(grid_range.get("sheetId", 0))
        return sheet, Ref(grid_range.get("startRowIndex", 0), grid_range.get("startColumnIndex", 0),
                          grid_range.get("endRowIndex"), grid_range.get("endColumnIndex"))

    def grid_box(self, grid_range: dict) -> Box:
        return bound(*self.ref_of_grid_range(grid_range))

    # ---- values ---------------------------------------------------------------------------

    def read(self, box: Box, value_render: str = "FORMATTED_VALUE", date_render: str = "SERIAL_NUMBER",
             major: str = "ROWS") -> list[list]:
        """Rendered values of a box, trailing empty rows and cells trimmed, as values.get does."""
        computed = self.computer()
        grid = []
        for r in range(box.r0, box.r1):
            row = []
            for c in range(box.c0, box.c1):
                cell = box.sheet.cells.get((r, c))
                if cell is None or cell.is_blank():
                    row.append(None)
                elif value_render == "FORMULA" and cell.formula:
                    row.append(cell.formula)
                else:
                    row.append(render(computed(box.sheet, r, c), cell.number_format, value_render, date_render))
            grid.append(row)
        if major == "COLUMNS":
            grid = [list(col) for col in zip(*grid)]
        return trim(grid)

    def write(self, sheet: Sheet, r0: int, c0: int, rows: list[list], input_option: str, today: dt.date,
              touched_log: list | None = None) -> dict:
        """Store rows of values at (r0, c0); returns the update counts the API reports.

        ``touched_log`` collects (sheetId, row, column) of every written cell, for batch totals.
        """
        touched = []
        for i, row in enumerate(rows):
            for j, raw in enumerate(row):
                if raw is None:
                    continue  # null means "leave this cell alone"
                cell = sheet.cell(r0 + i, c0 + j)
                if input_option == "RAW":
                    cell.value, cell.formula = (raw if raw != "" else None), None
                else:
                    value, formula, auto = parse_user_entered(raw, today, cell)
                    cell.value, cell.formula = value, formula
                    if auto and not cell.number_format:
                        cell.fmt["numberFormat"] = auto
                sheet.tidy(r0 + i, c0 + j)
                touched.append((r0 + i, c0 + j))
        if touched_log is not None:
            touched_log.extend((sheet.id, r, c) for r, c in touched)
        height = len(rows)
        width = max((len(r) for r in rows), default=0)
        result = {"spreadsheetId": self.id}
        if height and width:
            result.update(updatedRange=format_box(sheet.title, r0, c0, r0 + height, c0 + width),
                          updatedRows=len({t[0] for t in touched}), updatedColumns=len({t[1] for t in touched}),
                          updatedCells=len(touched))
        return result

    def clear(self, box: Box, what=("value",)) -> None:
        for (r, c), cell in list(box.sheet.cells.items()):
            if box.r0 <= r < box.r1 and box.c0 <= c < box.c1:
                if "value" in what:
                    cell.value = cell.formula = None
                if "format" in what:
                    cell.fmt = {}
                box.sheet.tidy(r, c)

    def computer(self):
        """A memoising evaluator: (sheet, row, col) -> the cell's value with formulas computed."""
        cache: dict = {}
        visiting: set = set()

        def value_at(sheet: Sheet, r: int, c: int):
            key = (sheet.id, r, c)
            if key in cache:
                return cache[key]
            cell = sheet.cells.get((r, c))
            if cell is None or cell.formula is None:
                return None if cell is None else cell.value
            if key in visiting:
                return CellError("#REF!")
            visiting.add(key)
            try:
                result = evaluate(cell.formula, functools.partial(resolve, sheet), (r, c))
            finally:
                visiting.discard(key)
            result = json_number(result) if isinstance(result, float) else result
            cache[key] = result
            return result

        def resolve(home: Sheet, title, ref: Ref):
            sheet = home if title is None else self.find_sheet(title)
            if sheet is None:
                return None
            r1 = min(ref.end_row if ref.end_row is not None else sheet.rows, sheet.rows)
            c1 = min(ref.end_col if ref.end_col is not None else sheet.columns, sheet.columns)
            return [[value_at(sheet, r, c) for c in range(ref.start_col, c1)] for r in range(ref.start_row, r1)]

        return value_at


def check_editable(sheet: Sheet, r0: int, c0: int, r1: int, c1: int) -> None:
    """Refuse, as Google does, an API write into a protected range the caller may not edit
    (one that is not warning-only and that a person, not the caller, protected)."""
    for protected in sheet.protected:
        if protected.get("warningOnly") or protected.get("requestingUserCanEdit"):
            continue
        span = protected.get("range", {})
        if (span.get("startRowIndex", 0) < r1 and r0 < span.get("endRowIndex", sheet.rows)
                and span.get("startColumnIndex", 0) < c1
                and c0 < span.get("endColumnIndex", sheet.columns)):
            raise ApiError(400, PROTECTED, "INVALID_ARGUMENT")


def bound(sheet: Sheet, ref: Ref) -> Box:
    """Close a reference's open sides at the grid's edge; 400 if it reaches outside the grid."""
    r1 = ref.end_row if ref.end_row is not None else sheet.rows
    c1 = ref.end_col if ref.end_col is not None else sheet.columns
    if ref.start_row >= sheet.rows or ref.start_col >= sheet.columns or r1 > sheet.rows or c1 > sheet.columns:
        raise grid_error(sheet, ref.text())
    return Box(sheet, ref.start_row, ref.start_col, r1, c1)


def grid_error(sheet: Sheet, ref_text: str) -> ApiError:
    return bad_request(f"Range ({quote_title(sheet.title)}!{ref_text}) exceeds grid limits. "
                       f"Max rows: {sheet.rows}, max columns: {sheet.columns}")


def trim(grid: list[list]) -> list[list]:
    """Drop trailing empty cells of each row and trailing empty rows; inner blanks become ''."""
    out = []
    for row in grid:
        while row and row[-1] in (None, ""):
            row.pop()
        out.append(["" if v is None else v for v in row])
    while out and not out[-1]:
        out.pop()
    return out


def _metadata_sheet(meta: dict):
    location = meta["location"]
    if "sheetId" in location:
        return location["sheetId"]
    return location.get("dimensionRange", {}).get("sheetId")
