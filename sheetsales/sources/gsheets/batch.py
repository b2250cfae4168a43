"""Pure helpers for writing a Google Sheet: planned cells as `updateCells` requests, rows
re-targeted by Deal ID, and what a batchUpdate response says the cells now hold. No I/O.

Values are sent typed, never parsed: text as `stringValue` (so `=HYPERLINK(...)` and `0042`
stay text, whatever they look like), numbers as `numberValue`, dates as serial numbers with a
yyyy-mm-dd date format (a cleaned text date in the format its text had: cells.ShownDate), and a clear as an empty cell."""

import datetime as dt
import math
from collections.abc import Iterable, Mapping

from ...core.cells import ShownDate
from ...core.model import is_blank, text_id
from ...core.owned import REMINDERS_SHEET

EPOCH = dt.date(1899, 12, 30)
DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
DATE_TIME_FORMAT = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
VALUE_ONLY = "userEnteredValue"
VALUE_AND_FORMAT = "userEnteredValue,userEnteredFormat.numberFormat"
OWNED_SHEET_KEY = "sheetsales_owned"  # developer metadata on a sheet sheetsales owns
REMINDERS_WIDTH = 8

Identity = tuple | None
Cells = dict[tuple[int, int], object]  # (0-based row, 0-based column) -> value


def to_serial(value: dt.date) -> float:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime(1899, 12, 30)
        return round(delta.total_seconds() / 86400, 10)
    return (value - EPOCH).days


def cell_data(value) -> dict:
    """The CellData that stores `value` as itself."""
    if value is None or (isinstance(value, str) and value == ""):
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, dt.date):
        fmt = DATE_TIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        if isinstance(value, ShownDate):  # a cleaned text date, shown as its text was
            fmt = {"type": "DATE", "pattern": value.number_format}
        return {"userEnteredValue": {"numberValue": to_serial(value)},
                "userEnteredFormat": {"numberFormat": dict(fmt)}}
    if isinstance(value, (int, float)) and math.isfinite(value):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def stored(data: dict):
    """What a CellData from a response holds, in the form `cell_data` takes (dates are
    serial numbers here; compare with `same_value`). A formula counts as the value Sheets
    computes for it, as in the re-read (a Deal ID ="D-"&ROW() is its value, D-2)."""
    entered = data.get("userEnteredValue") or {}
    if "formulaValue" in entered:
        entered = data.get("effectiveValue") or {}
        if "errorValue" in entered:
            return "#ERROR!"
    for kind in ("stringValue", "numberValue", "boolValue"):
        if kind in entered:
            return entered[kind]
    return None


def same_value(held, wanted) -> bool:
    """Whether a cell holding `held` (as `stored` reads it) holds `wanted`."""
    if is_blank(wanted):
        return is_blank(held)
    if isinstance(wanted, dt.date):
        return isinstance(held, (int, float)) and abs(held - to_serial(wanted)) < 1e-6
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        return isinstance(held, (int, float)) and not isinstance(held, bool) and held == wanted
    return held == (wanted if isinstance(wanted, bool) else str(wanted))


def same_old(held, old) -> bool:
    """Whether a cell as read (unformatted; dates as serials) still holds `old`."""
    return same_value(held, old) or held == old


def new_sheet_id(tabs, avoid: Iterable[int] = ()) -> int:
    """A free sheetId for the Reminders sheet (or, avoiding its, the Summary sheet), chosen
    by us so the same batch can refer to it (and so a retried write cannot add the sheet
    twice: the retry is refused whole)."""
    used = {t.id for t in tabs} | set(avoid)
    candidate = 0x5A1E5
    while candidate in used:
        candidate += 1
    return candidate


def cell_requests(sheet_id: int, cells: Cells, owned_columns: Iterable[int] = ()) -> list[dict]:
    """`updateCells` requests writing `cells`: horizontal runs of neighbouring cells that
    share a field mask, merged into blocks across consecutive rows. A cell's number format
    is set only where a date goes or in a column sheetsales owns; other cells keep theirs."""
    owned = set(owned_columns)

    def fields(column, value):
        return VALUE_AND_FORMAT if isinstance(value, dt.date) or column in owned else VALUE_ONLY

    runs: list[tuple[int, int, str, list]] = []  # (row, first column, fields, values)
    for (row, column), value in sorted(cells.items()):
        mask = fields(column, value)
        last = runs[-1] if runs else None
        if last and last[0] == row and last[1] + len(last[3]) == column and last[2] == mask:
            last[3].append(value)
        else:
            runs.append((row, column, mask, [value]))
    blocks: list[tuple[int, int, str, list[list]]] = []  # (first row, column, fields, rows)
    for row, column, mask, values in sorted(runs, key=lambda r: (r[1], len(r[3]), r[2], r[0])):
        last = blocks[-1] if blocks else None
        if last and (last[1], len(last[3][0]), last[2]) == (column, len(values), mask) and \
                last[0] + len(last[3]) == row:
            last[3].append(values)
        else:
            blocks.append((row, column, mask, [values]))
    return [{"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
        "rows": [{"values": [cell_data(v) for v in values]} for values in rows],
        "fields": mask}} for row, column, mask, rows in blocks]


def reminder_requests(tab, rows: list[list], sheet_id: int, header: int = 0,
                      header_format: dict | None = None,
                      links: dict[tuple[int, int], str] | None = None) -> list[dict]:
    """Create (`tab` None: addSheet with its marker) or rewrite in place the Reminders sheet:
    one updateCells over the whole sheet writes `rows` (the row `header`, 0-based, bold, or
    in `header_format`; `links` (row, column) -> URI on those cells) and clears the rest."""
    requests = owned_sheet(tab, REMINDERS_SHEET, "reminders", sheet_id, rows,
                           REMINDERS_WIDTH, frozen=1)
    style = header_format or {"textFormat": {"bold": True}}
    links = links or {}
    data = [{"values": [_reminder_cell(v, style if i == header else None, links.get((i, j)))
                        for j, v in enumerate(row)]} for i, row in enumerate(rows)]
    requests.append({"updateCells": {
        "range": {"sheetId": sheet_id}, "rows": data,
        "fields": "userEnteredValue,userEnteredFormat.numberFormat,"
                  "userEnteredFormat.textFormat.bold,userEnteredFormat.textFormat.link,"
                  "userEnteredFormat.backgroundColor"}})
    return requests


def owned_sheet(tab, title: str, mark: str, sheet_id: int, rows: list[list], width: int,
                frozen: int = 0) -> list[dict]:
    """Requests making room for `rows` on sheetsales' own sheet: created (`tab` None: addSheet
    with its marker `mark`, `frozen` header rows) or grown to fit."""
    width = max([width] + [len(r) for r in rows])
    if tab is None:
        grid = {"rowCount": max(100, len(rows)), "columnCount": width}
        if frozen:
            grid["frozenRowCount"] = frozen
        return [{"addSheet": {"properties": {"sheetId": sheet_id, "title": title,
                                             "gridProperties": grid}}},
                {"createDeveloperMetadata": {"developerMetadata": {
                    "metadataKey": OWNED_SHEET_KEY, "metadataValue": mark,
                    "visibility": "DOCUMENT", "location": {"sheetId": sheet_id}}}}]
    return [{"appendDimension": {"sheetId": sheet_id, "dimension": dimension,
                                 "length": need - have}}
            for dimension, need, have in (("ROWS", len(rows), tab.rows),
                                          ("COLUMNS", width, tab.columns)) if need > have]


def _reminder_cell(value, style: dict | None, link: str | None) -> dict:
    data = cell_data(value)
    if style or link:
        fmt = {**data.get("userEnteredFormat", {}), **(style or {})}
        if link:
            fmt["textFormat"] = {**fmt.get("textFormat", {}), "link": {"uri": link}}
        data["userEnteredFormat"] = fmt
    return data


def identity(cells: list, key_columns: list[int]) -> Identity:
    """What identifies a row: its Deal ID (or the key columns' texts); None when blank."""
    found = tuple(text_id(cells[c]) if c < len(cells) else None for c in key_columns)
    return None if all(v is None for v in found) else found


def identities(rows: Mapping[int, list], key_columns: list[int]) -> dict[int, Identity]:
    return {r: identity(cells, key_columns) for r, cells in rows.items()}


def retarget(targets: Iterable[int], before: Mapping[int, Identity],
             now: Mapping[int, Identity],
             allow_vanished: bool = False) -> tuple[dict[int, int], list[str]]:
    """Where each target row (numbered as read) is now, found by identity, and the problems
    that forbid a write: an identity vanished (unless `allow_vanished`: its row is then
    left out), now on more rows, or ambiguous; a target row with no identity while other
    rows moved."""
    where_before, where_now = _rows_by(before), _rows_by(now)
    shifted = any(where_now.get(i) != rows for i, rows in where_before.items())
    mapping, vanished, doubled, blank = {}, [], [], []
    for row in sorted(set(targets)):
        ident = before.get(row)
        if ident is None:
            if shifted:
                blank.append(row)
            else:
                mapping[row] = row
            continue
        was, is_now = where_before[ident], where_now.get(ident, [])
        if not is_now:
            if not allow_vanished:
                vanished.append(ident)
        elif len(was) == 1 and len(is_now) == 1:
            mapping[row] = is_now[0]
        elif was == is_now:
            mapping[row] = row
        else:
            doubled.append((ident, is_now))
    problems = []
    if vanished:
        problems.append(f"{_names(dict.fromkeys(vanished))} no longer in the sheet")
    if doubled:
        problems.append("; ".join(f"{_name(i)!r} now on rows {', '.join(map(str, rows))}"
                                  for i, rows in dict(doubled).items()))
    if blank:
        problems.append(f"rows moved and row{'s' if len(blank) > 1 else ''} "
                        f"{', '.join(map(str, blank[:10]))} ha{'ve' if len(blank) > 1 else 's'} "
                        "no Deal ID to find it by")
    return mapping, problems


def _rows_by(ids: Mapping[int, Identity]) -> dict[tuple, list[int]]:
    found: dict[tuple, list[int]] = {}
    for row in sorted(ids):
        if ids[row] is not None:
            found.setdefault(ids[row], []).append(row)
    return found


def _name(ident: tuple) -> str:
    return "/".join("" if v is None else v for v in ident)


def _names(idents: Iterable[tuple]) -> str:
    names = [repr(_name(i)) for i in idents]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"deal{'s' if len(names) > 1 else ''} {shown} {'are' if len(names) > 1 else 'is'}"


def _grid_cells(spreadsheet: dict, sheet_id: int):
    """((row, column), CellData) of every cell of one sheet in grid data (a batchUpdate's
    updatedSpreadsheet, or spreadsheets.get with includeGridData)."""
    for sheet in spreadsheet.get("sheets", []):
        if sheet.get("properties", {}).get("sheetId") != sheet_id:
            continue
        for block in sheet.get("data", []):
            r0, c0 = block.get("startRow", 0), block.get("startColumn", 0)
            for i, row in enumerate(block.get("rowData", [])):
                for j, data in enumerate(row.get("values", [])):
                    yield (r0 + i, c0 + j), data


def response_cells(spreadsheet: dict, sheet_id: int) -> dict[tuple[int, int], object]:
    """(row, column) -> stored value of every filled cell of one sheet in grid data."""
    cells = {}
    for at, data in _grid_cells(spreadsheet, sheet_id):
        value = stored(data)
        if not is_blank(value):
            cells[at] = value
    return cells


def formula_cells(spreadsheet: dict, sheet_id: int) -> dict[tuple[int, int], str]:
    """(row, column) -> formula text of every formula cell of one sheet in grid data."""
    return {at: formula for at, data in _grid_cells(spreadsheet, sheet_id)
            if (formula := (data.get("userEnteredValue") or {}).get("formulaValue")) is not None}


class Placement:
    """Where the rows to write are now: `rows` maps each row as read to its row now
    (1-based); `now` holds the identities just re-read; the header row's identity and its
    cells as read tell whether the columns stayed put."""

    def __init__(self, rows: dict[int, int], keys: list[int], now: dict[int, Identity],
                 header: int, header_id: Identity, header_cells: list):
        self.rows, self.keys, self.now = rows, keys, now
        self.header, self.header_id, self.header_cells = header, header_id, header_cells


def same_header(then: list, now: list, skip: set[int]) -> bool:
    """Whether a header row still reads the same, ignoring the columns in `skip`."""
    width = max(len(then), len(now))
    then, now = list(then) + [None] * (width - len(then)), list(now) + [None] * (width - len(now))
    return all(text_id(a) == text_id(b) for i, (a, b) in enumerate(zip(then, now)) if i not in skip)
