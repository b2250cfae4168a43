"""The Sheets v4 and Drive v3 endpoints gspread uses, as a function of (method, path, query, body).

Longer than 300 lines because it is the one table of the endpoints, each a few lines beside
its validation; split by endpoint, the shared range and error handling would repeat.

No HTTP and no auth here: ``sheets_emulator.py`` does those. ``SheetsApi.handle`` returns
(status, JSON body or None) and turns every ``ApiError`` into Google's error JSON.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
import string
import time
from urllib.parse import unquote

from . import batch_update, grid_ops, presentation
from .a1 import column_letters, format_box
from .cells import CellError, json_number, render
from .drive import DriveFiles
from .workbook import ApiError, Box, Spreadsheet, bad_request, check_editable, grid_error

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
NOT_FOUND = "Requested entity was not found."

_ID = r"([^/:]+)"
ROUTES = [  # (method, raw path pattern, handler name); the first match wins
    ("POST", r"/v4/spreadsheets", "create"),
    ("GET", rf"/v4/spreadsheets/{_ID}", "get_spreadsheet"),
    ("POST", rf"/v4/spreadsheets/{_ID}:batchUpdate", "batch_update"),
    ("GET", rf"/v4/spreadsheets/{_ID}/values:batchGet", "values_batch_get"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchUpdate", "values_batch_update"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchUpdateByDataFilter", "values_batch_update_by_filter"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values:batchClear", "values_batch_clear"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/(.+):append", "values_append"),
    ("POST", rf"/v4/spreadsheets/{_ID}/values/(.+):clear", "values_clear"),
    ("GET", rf"/v4/spreadsheets/{_ID}/values/(.+)", "values_get"),
    ("PUT", rf"/v4/spreadsheets/{_ID}/values/(.+)", "values_update"),
    ("POST", rf"/v4/spreadsheets/{_ID}/developerMetadata:search", "metadata_search"),
    ("GET", rf"/v4/spreadsheets/{_ID}/developerMetadata/(\d+)", "metadata_get"),
    ("POST", r"/drive/v3/files", "drive_create"),
    ("GET", r"/drive/v3/files", "drive_list"),
    ("GET", r"/drive/v3/files/([^/]+)", "drive_get"),
    ("DELETE", r"/drive/v3/files/([^/]+)", "drive_delete"),
]
WRITES = {"batch_update", "values_batch_update", "values_batch_update_by_filter", "values_batch_clear", "values_append", "values_clear",
          "values_update"}


class SheetsApi(DriveFiles):
    """All spreadsheets of one emulator, and the endpoints over them (Drive ones in DriveFiles)."""

    def __init__(self, seed: int | None = 0, clock=time.time):
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.rng = random.Random(seed)
        self.clock = clock

    # ---- plumbing -------------------------------------------------------------------------

    def route(self, method: str, path: str):
        """(handler name, decoded path arguments) for a request, or None."""
        for route_method, pattern, name in ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return name, [unquote(g) for g in match.groups()]
        return None

    def write_target(self, method: str, path: str) -> str | None:
        """The spreadsheet id a request would change, or None for reads."""
        found = self.route(method, path)
        return found[1][0] if found and found[0] in WRITES else None

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes | None):
        """Answer one request: (HTTP status, JSON-able body or None)."""
        found = self.route(method, path)
        if found is None:
            return 404, ApiError(404, f"Method not found: {method} {path}").body()
        name, args = found
        try:
            data = json.loads(body) if body else {}
        except ValueError as error:
            return 400, bad_request(f"Invalid JSON payload received. {error}").body()
        try:
            result = getattr(self, name)(*args, query=_Query(query), body=data)
        except ApiError as error:
            return error.code, error.body()
        return (204, None) if result is None else (200, result)

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()

    def now_text(self) -> str:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"

    def new_int(self) -> int:
        return self.rng.randint(1, 2**31 - 1)

    def new_token(self) -> str:
        return "".join(self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))

    def new_spreadsheet(self, title: str, spreadsheet_id: str | None = None) -> Spreadsheet:
        if spreadsheet_id is None:
            alphabet = string.ascii_letters + string.digits + "-_"
            spreadsheet_id = "1" + "".join(self.rng.choice(alphabet) for _ in range(43))
        ss = Spreadsheet(spreadsheet_id, title, self.now_text(), self.new_int)
        self.spreadsheets[spreadsheet_id] = ss
        return ss

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        ss = self.spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise ApiError(404, NOT_FOUND)
        if ss.private:
            raise ApiError(403, "The caller does not have permission")
        return ss

    def touched(self, ss: Spreadsheet) -> None:
        ss.modified = self.now_text()

    # ---- spreadsheets -----------------------------------------------------------------------

    def create(self, query, body):
        props = body.get("properties", {})
        ss = self.new_spreadsheet(props.get("title", "Untitled spreadsheet"))
        ss.properties.update({k: v for k, v in props.items() if k != "title"})
        for spec in body.get("sheets") or [{}]:
            batch_update.add_sheet(ss, {"properties": spec.get("properties", {})}, self)
        return self.metadata(ss)

    def get_spreadsheet(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        fields = query.one("fields")
        mask = batch_update.parse_mask(fields) if fields else None
        result = self.metadata(ss, query.flag("includeGridData"), query.all("ranges"))
        if mask and not query.flag("includeGridData") and \
                any(p[:3] == ("sheets", "data", "columnMetadata") for p in mask):
            for entry in result["sheets"]:  # the mask decides, as in Sheets
                sheet = ss.sheet_by_id(entry["properties"]["sheetId"])
                entry["data"] = [{"columnMetadata": presentation.column_metadata(sheet)}]
        return batch_update.select_fields(result, mask) if mask else result

    def metadata(self, ss: Spreadsheet, include_grid: bool = False, ranges: list[str] | None = None) -> dict:
        """The Spreadsheet resource as spreadsheets.get returns it."""
        boxes = [ss.box(r) for r in ranges or []]
        sheets = []
        for sheet in ss.sheets:
            wanted = [b for b in boxes if b.sheet is sheet]
            if boxes and not wanted:
                continue
            entry = {"properties": copy.deepcopy(sheet.props)}
            if sheet.merges:
                entry["merges"] = copy.deepcopy(sheet.merges)
            if sheet.protected:
                entry["protectedRanges"] = copy.deepcopy(sheet.protected)
            entry.update(presentation.shown(sheet))
            located = [m for m in ss.developer_metadata if m["location"].get("sheetId") == sheet.id]
            if located:
                entry["developerMetadata"] = copy.deepcopy(located)
            if include_grid:
                entry["data"] = [self.grid_data(ss, b) for b in wanted or [Box(sheet, 0, 0, sheet.rows, sheet.columns)]]
            sheets.append(entry)
        result = {"spreadsheetId": ss.id, "properties": copy.deepcopy(ss.properties), "sheets": sheets}
        if ss.named_ranges:
            result["namedRanges"] = copy.deepcopy(ss.named_ranges)
        top = [m for m in ss.developer_metadata if m["location"].get("spreadsheet")]
        if top:
            result["developerMetadata"] = copy.deepcopy(top)
        result["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{ss.id}/edit"
        return result

    def grid_data(self, ss: Spreadsheet, box: Box) -> dict:
        computed = ss.computer()
        rows = []
        for r in range(box.r0, box.r1):
            values = [cell_data(box.sheet.cells.get((r, c)), computed(box.sheet, r, c)) for c in range(box.c0, box.c1)]
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        while rows and not rows[-1]:
            rows.pop()
        data = {"startRow": box.r0, "startColumn": box.c0, "rowData": rows}
        return {k: v for k, v in data.items() if v}

    def batch_update(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        result = batch_update.apply_batch(ss, body, self)
        self.touched(ss)
        return result

    # ---- values -------------------------------------------------------------------------------

    def values_get(self, spreadsheet_id, range_text, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        return self.value_range(ss, range_text, query)

    def values_batch_get(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        ranges = [self.value_range(ss, r, query) for r in query.all("ranges")]
        return {"spreadsheetId": ss.id, **({"valueRanges": ranges} if ranges else {})}

    def value_range(self, ss: Spreadsheet, range_text: str, query) -> dict:
        box = ss.box(range_text)
        major = query.choice("majorDimension", ("ROWS", "COLUMNS"), "ROWS")
        values = ss.read(box, query.choice("valueRenderOption", VALUE_RENDER, "FORMATTED_VALUE"),
                         query.choice("dateTimeRenderOption", DATE_RENDER, "SERIAL_NUMBER"), major)
        result = {"range": box.a1(), "majorDimension": major}
        if values:
            result["values"] = values
        return result

    def values_update(self, spreadsheet_id, range_text, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        result = self.write_range(ss, range_text, body, query, "data")
        self.touched(ss)
        return result

    def write_range(self, ss, range_text, data, query, field, touched=None) -> dict:
        """values.update for one ValueRange: the data must fit the range and the grid."""
        sheet, ref = ss.locate(range_text)
        rows = value_rows(data, field)
        height, width = len(rows), max((len(r) for r in rows), default=0)
        if not ref.single_cell:
            if ref.end_row is not None and ref.start_row + height > ref.end_row:
                raise bad_request(f"Requested writing within range [{range_text}], but tried writing to row "
                                  f"[{ref.end_row + 1}]")
            if ref.end_col is not None and ref.start_col + width > ref.end_col:
                raise bad_request(f"Requested writing within range [{range_text}], but tried writing to column "
                                  f"[{column_letters(ref.end_col)}]")
        r1, c1 = ref.start_row + max(height, 1), ref.start_col + max(width, 1)
        if r1 > sheet.rows or c1 > sheet.columns:
            raise grid_error(sheet, format_box(sheet.title, ref.start_row, ref.start_col, r1, c1).split("!")[-1])
        input_option = query.choice("valueInputOption", ("RAW", "USER_ENTERED"), None)
        check_editable(sheet, ref.start_row, ref.start_col, r1, c1)
        result = ss.write(sheet, ref.start_row, ref.start_col, rows, input_option, self.today(), touched)
        if query.flag("includeValuesInResponse") and "updatedRange" in result:
            result["updatedData"] = self.value_range(ss, result["updatedRange"], _Query({
                "valueRenderOption": query.all("responseValueRenderOption"),
                "dateTimeRenderOption": query.all("responseDateTimeRenderOption")}))
        return result

    def values_append(self, spreadsheet_id, range_text, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        box = ss.box(range_text)
        rows = value_rows(body, "data")
        height, width = len(rows), max((len(r) for r in rows), default=0)
        input_option = query.choice("valueInputOption", ("RAW", "USER_ENTERED"), None)
        insert = query.choice("insertDataOption", ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE")
        table = grid_ops.find_table(box)
        r0, c0 = (table.r1, table.c0) if table else (box.r0, box.c0)
        sheet = box.sheet
        if insert == "INSERT_ROWS" and height:
            grid_ops.insert_dimension(ss, sheet, "ROWS", min(r0, sheet.rows), min(r0, sheet.rows) + height)
        if r0 + height > sheet.rows or c0 + width > sheet.columns:
            sheet.set_size(max(sheet.rows, r0 + height), max(sheet.columns, c0 + width))
        check_editable(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1))
        updates = ss.write(sheet, r0, c0, rows, input_option, self.today())
        if query.flag("includeValuesInResponse") and "updatedRange" in updates:
            updates["updatedData"] = self.value_range(ss, updates["updatedRange"], _Query({
                "valueRenderOption": query.all("responseValueRenderOption"),
                "dateTimeRenderOption": query.all("responseDateTimeRenderOption")}))
        self.touched(ss)
        result = {"spreadsheetId": ss.id}
        if table:
            result["tableRange"] = table.a1()
        result["updates"] = updates
        return result

    def values_clear(self, spreadsheet_id, range_text, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        box = ss.box(range_text)
        check_editable(box.sheet, box.r0, box.c0, box.r1, box.c1)
        ss.clear(box)
        self.touched(ss)
        return {"spreadsheetId": ss.id, "clearedRange": box.a1()}

    def values_batch_clear(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        boxes = []
        for i, range_text in enumerate(body.get("ranges", [])):
            try:
                boxes.append(ss.box(range_text))
            except ApiError as error:
                error.message = f"Invalid range[{i}]: {error.message}"
                raise
        for box in boxes:
            check_editable(box.sheet, box.r0, box.c0, box.r1, box.c1)
        for box in boxes:
            ss.clear(box)
        self.touched(ss)
        result = {"spreadsheetId": ss.id}
        if boxes:
            result["clearedRanges"] = [b.a1() for b in boxes]
        return result

    def values_batch_update(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        input_option = body.get("valueInputOption")
        if input_option is None:
            raise bad_request("'valueInputOption' is required but not specified")
        options = {"valueInputOption": [input_option], "includeValuesInResponse": [str(body.get(
            "includeValuesInResponse", "false"))], "responseValueRenderOption": [body.get(
            "responseValueRenderOption", "FORMATTED_VALUE")], "responseDateTimeRenderOption": [body.get(
            "responseDateTimeRenderOption", "SERIAL_NUMBER")]}
        snapshot, touched, responses = copy.deepcopy(ss.sheets), [], []
        try:
            for i, data in enumerate(body.get("data", [])):
                try:
                    responses.append(self.write_range(ss, data.get("range", ""), data, _Query(options),
                                                      f"data[{i}]", touched))
                except ApiError as error:
                    error.message = f"Invalid data[{i}]: {error.message}"
                    raise
        except ApiError:
            ss.sheets = snapshot
            raise
        self.touched(ss)
        totals = {"totalUpdatedRows": len({(t[0], t[1]) for t in touched}),
                  "totalUpdatedColumns": len({(t[0], t[2]) for t in touched}),
                  "totalUpdatedCells": len(touched), "totalUpdatedSheets": len({t[0] for t in touched})}
        result = {"spreadsheetId": ss.id, **{k: v for k, v in totals.items() if v}}
        if responses:
            result["responses"] = responses
        return result

    def values_batch_update_by_filter(self, spreadsheet_id, query, body):
        """values.batchUpdateByDataFilter: each DataFilterValueRange is written at every range
        its data filter matches (developer metadata on a row, column or sheet; an A1 or grid
        range), all or nothing."""
        ss = self.spreadsheet(spreadsheet_id)
        data, resolved = [], []
        for i, item in enumerate(body.get("data", [])):
            boxes = self.filter_boxes(ss, item.get("dataFilter") or {}, f"data[{i}]")
            for box in boxes:
                data.append({**{k: v for k, v in item.items() if k != "dataFilter"},
                             "range": box.a1()})
                resolved.append(item.get("dataFilter"))
        result = self.values_batch_update(spreadsheet_id, query, {**body, "data": data})
        for response, data_filter in zip(result.get("responses", []), resolved):
            response["dataFilter"] = data_filter
        return result

    def filter_boxes(self, ss: Spreadsheet, data_filter: dict, field: str) -> list[Box]:
        if "a1Range" in data_filter:
            return [ss.box(data_filter["a1Range"])]
        if "gridRange" in data_filter:
            return [ss.grid_box(data_filter["gridRange"])]
        if "developerMetadataLookup" not in data_filter:
            raise bad_request(f"Invalid {field}.dataFilter: a data filter must be set.")
        boxes = []
        for meta in batch_update.matching_metadata(ss, [data_filter]):
            location = meta["location"]
            span = location.get("dimensionRange")
            sheet = ss.sheet_by_id(span["sheetId"] if span else location.get("sheetId"))
            if sheet is None:
                continue
            if span and span["dimension"] == "COLUMNS":
                boxes.append(Box(sheet, 0, span["startIndex"], sheet.rows, span["endIndex"]))
            elif span:
                boxes.append(Box(sheet, span["startIndex"], 0, span["endIndex"], sheet.columns))
            else:
                boxes.append(Box(sheet, 0, 0, sheet.rows, sheet.columns))
        if not boxes:
            raise bad_request(f"Invalid {field}.dataFilter: No grid ranges matched the data filter.")
        return boxes

    # ---- developer metadata ---------------------------------------------------------------------

    def metadata_search(self, spreadsheet_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        matched = []
        for data_filter in body.get("dataFilters", []):
            for meta in batch_update.matching_metadata(ss, [data_filter]):
                matched.append({"developerMetadata": copy.deepcopy(meta), "dataFilters": [data_filter]})
        return {"matchedDeveloperMetadata": matched} if matched else {}

    def metadata_get(self, spreadsheet_id, metadata_id, query, body):
        ss = self.spreadsheet(spreadsheet_id)
        for meta in ss.developer_metadata:
            if meta["metadataId"] == int(metadata_id):
                return copy.deepcopy(meta)
        raise ApiError(404, f"No developer metadata with ID: {metadata_id}")


class _Query:
    """Query parameters with the API's parsing: enums are checked, booleans are case-insensitive."""

    def __init__(self, params: dict[str, list[str]]):
        self.params = {k: v for k, v in params.items() if v}

    def all(self, name: str) -> list[str]:
        return list(self.params.get(name, []))

    def one(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        return (self.one(name) or "false").lower() == "true"

    def choice(self, name: str, allowed: tuple, default):
        value = self.one(name) or default
        if value is None:
            raise bad_request(f"'{name}' is required but not specified")
        if value not in allowed:
            snake = re.sub(r"([A-Z])", r"_\1", name).lower()
            raise bad_request(f'Invalid value at \'{snake}\' (TYPE_ENUM), "{value}"')
        return value


def value_rows(data: dict, field: str) -> list[list]:
    """The ``values`` of a ValueRange, checked the way the API's JSON parser checks it."""
    values = data.get("values", [])
    if values is None:
        values = []
    if not isinstance(values, list):
        raise _list_value_error(f"{field}.values", values)
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise _list_value_error(f"{field}.values[{i}]", row)
        for j, value in enumerate(row):
            if isinstance(value, (dict, list)):
                raise bad_request(f"Invalid values[{i}][{j}]: " + "\n".join(_proto_text(value)))
    if data.get("majorDimension") == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    return values


def _proto_text(value) -> list[str]:
    """A google.protobuf.Value in protobuf text format, the way Google quotes a cell value
    it refuses (see ERRORS.md): ``list_value {`` / ``  values {`` ... with two-space indents."""
    if value is None:
        return ["null_value: NULL_VALUE"]
    if isinstance(value, bool):
        return [f"bool_value: {str(value).lower()}"]
    if isinstance(value, (int, float)):
        return [f"number_value: {json_number(value)}"]
    if isinstance(value, str):
        return [f"string_value: {json.dumps(value, ensure_ascii=False)}"]
    inner: list[str] = []
    if isinstance(value, list):
        for item in value:
            inner += ["values {", *("  " + line for line in _proto_text(item)), "}"]
        return ["list_value {", *("  " + line for line in inner), "}"]
    for key, item in value.items():
        inner += ["fields {", f"  key: {json.dumps(str(key), ensure_ascii=False)}", "  value {",
                  *("    " + line for line in _proto_text(item)), "  }", "}"]
    return ["struct_value {", *("  " + line for line in inner), "}"]


def _list_value_error(field: str, value) -> ApiError:
    message = f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(value)}"
    return ApiError(400, message, details=[{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                            "fieldViolations": [{"field": field, "description": message}]}])


def cell_data(cell, computed) -> dict:
    """One CellData as spreadsheets.get(includeGridData=true) returns it."""
    if cell is None:
        return {}
    data = {}
    if cell.formula:
        data["userEnteredValue"] = {"formulaValue": cell.formula}
    elif cell.value is not None:
        data["userEnteredValue"] = _typed(cell.value)
    if computed is not None:
        data["effectiveValue"] = _typed(computed)
        data["formattedValue"] = render(computed, cell.number_format, "FORMATTED_VALUE", "SERIAL_NUMBER")
    if cell.fmt:
        data["userEnteredFormat"] = copy.deepcopy(cell.fmt)
        if cell.number_format:
            data["effectiveFormat"] = {"numberFormat": copy.deepcopy(cell.number_format)}
    if cell.note:
        data["note"] = cell.note
    return data


def _typed(value) -> dict:
    if isinstance(value, CellError):
        return {"errorValue": {"type": "ERROR", "message": str(value)}}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": json_number(value)}
    return {"stringValue": value}
