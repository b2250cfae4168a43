"""``spreadsheets.batchUpdate``: one small handler per request kind, applied all-or-nothing.

Longer than 300 lines because it holds one small handler per request kind, kept together so
the accepted kinds read as one table.

A handler takes (spreadsheet, request body, context) and returns the reply the API gives for
that request (``{}`` for most). Request kinds that only change presentation and that sheetsales
never reads back are accepted and ignored (``IGNORED``); any other unknown kind is refused.
"""

from __future__ import annotations

import copy

from . import grid_ops, presentation, schema
from .a1 import Ref
from .workbook import ApiError, Box, Spreadsheet, bad_request, bound, check_editable

IGNORED = {"autoResizeDimensions", "updateBorders", "setDataValidation", "addBanding", "updateBanding",
           "deleteBanding"}


def apply_batch(ss: Spreadsheet, body: dict, context) -> dict:
    """Apply every request or none: on any error the spreadsheet is restored and the error raised.
    The body's shape is checked first, as the real API does (schema.py)."""
    body = schema.check(body)
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("Must specify at least one request.")
    snapshot = copy.deepcopy((ss.properties, ss.sheets, ss.named_ranges, ss.developer_metadata))
    replies = []
    try:
        for i, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                raise bad_request(f"Invalid requests[{i}]: exactly one kind of request must be set.")
            (kind, payload), = request.items()
            handler = HANDLERS.get(kind)
            if handler is None and kind not in IGNORED:
                raise ApiError(501, f"The sheets emulator does not implement requests[{i}].{kind}.")
            try:
                replies.append(handler(ss, payload, context) if handler else {})
            except ApiError as error:
                error.message = f"Invalid requests[{i}].{kind}: {error.message}"
                raise
        result = {"spreadsheetId": ss.id, "replies": replies}
        if str(body.get("includeSpreadsheetInResponse", "")).lower() == "true":
            # responseRanges / responseIncludeGridData shape the returned spreadsheet; an invalid
            # response range fails the whole batch, which then changes nothing
            result["updatedSpreadsheet"] = context.metadata(
                ss, str(body.get("responseIncludeGridData", "")).lower() == "true",
                body.get("responseRanges") or None)
    except ApiError:
        ss.properties, ss.sheets, ss.named_ranges, ss.developer_metadata = snapshot
        raise
    return result


# ---- field masks ------------------------------------------------------------------------------

def parse_mask(mask: str) -> list[tuple[str, ...]]:
    """``a.b,c(d,e)`` (or with ``/``) -> [("a","b"), ("c","d"), ("c","e")]; ``*`` -> [()]."""
    paths, stack, name = [], [()], ""
    for char in mask.replace("/", ".") + ",":
        if char == "(":
            stack.append(stack[-1] + tuple(p for p in name.split(".") if p))
            name = ""
        elif char in ",)":
            parts = tuple(p for p in name.strip().split(".") if p)
            if parts:
                paths.append(() if parts == ("*",) else stack[-1] + parts)
            name = ""
            if char == ")" and len(stack) > 1:
                stack.pop()
        else:
            name += char
    return paths


def apply_mask(target: dict, source: dict, paths: list[tuple[str, ...]]) -> None:
    """Copy the masked fields from source into target; a masked field absent in source is cleared."""
    for path in paths:
        if path == ():
            target.clear()
            target.update(copy.deepcopy(source))
            continue
        src, dst = source, target
        for key in path[:-1]:
            src = src.get(key, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(key, {})
        if isinstance(src, dict) and path[-1] in src:
            dst[path[-1]] = copy.deepcopy(src[path[-1]])
        else:
            dst.pop(path[-1], None)


def select_fields(value, paths: list[tuple[str, ...]]):
    """Keep only the fields a ``fields`` mask names; lists apply the mask to each element."""
    if () in paths:
        return value
    if isinstance(value, list):
        return [select_fields(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key in dict.fromkeys(p[0] for p in paths):
        if key in value:
            result[key] = select_fields(value[key], [p[1:] for p in paths if p[0] == key])
    return result


# ---- sheets -------------------------------------------------------------------------------

def add_sheet(ss, payload, context):
    props = payload.get("properties", {})
    grid = props.get("gridProperties", {})
    sheet = ss.add_sheet(props.get("title"), grid.get("rowCount", 1000), grid.get("columnCount", 26),
                         props.get("index"), props.get("sheetId"))
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties"):
            sheet.props[key] = copy.deepcopy(value)
    sheet.props["gridProperties"].update({k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")})
    return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}


def delete_sheet(ss, payload, context):
    ss.delete_sheet(payload.get("sheetId"))
    return {}


def update_sheet_properties(ss, payload, context):
    props = payload.get("properties", {})
    sheet = ss.require_sheet(props.get("sheetId", 0))
    paths = parse_mask(payload.get("fields", ""))
    if not paths:
        raise bad_request("At least one field must be updated.")
    updated = copy.deepcopy(sheet.props)
    apply_mask(updated, props, paths)
    title = updated.get("title")
    if not title:
        raise bad_request("Sheet title must not be empty.")
    clash = ss.find_sheet(title, exact=True)
    if clash is not None and clash is not sheet:
        raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
    updated["sheetId"] = sheet.id
    updated.setdefault("sheetType", "GRID")
    index = updated.setdefault("index", sheet.props["index"])
    grid = updated.setdefault("gridProperties", {})
    rows, columns = grid.get("rowCount", sheet.rows), grid.get("columnCount", sheet.columns)
    sheet.props = updated
    sheet.set_size(rows, columns)
    ss.sheets.remove(sheet)
    ss.sheets.insert(max(0, min(index, len(ss.sheets))), sheet)
    ss.reindex()
    return {}


def update_spreadsheet_properties(ss, payload, context):
    apply_mask(ss.properties, payload.get("properties", {}), parse_mask(payload.get("fields", "")))
    return {}


# ---- cells --------------------------------------------------------------------------------

def update_cells(ss, payload, context):
    paths = parse_mask(payload.get("fields", ""))
    if not paths:
        raise bad_request("At least one field must be specified.")
    rows = payload.get("rows", [])
    if "start" in payload:
        start = payload["start"]
        sheet = ss.require_sheet(start.get("sheetId", 0))
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        height = len(rows)
        width = max((len(r.get("values", [])) for r in rows), default=0)
        box = bound(sheet, Ref(r0, c0, r0 + max(height, 1), c0 + max(width, 1)))
    elif "range" in payload:
        box = ss.grid_box(payload["range"])
    else:
        raise bad_request("Either start or range must be set.")
    check_editable(box.sheet, box.r0, box.c0, box.r1, box.c1)
    for r in range(box.r0, box.r1):
        row = rows[r - box.r0].get("values", []) if r - box.r0 < len(rows) else []
        for c in range(box.c0, box.c1):
            data = row[c - box.c0] if c - box.c0 < len(row) else {}
            if "start" in payload and c - box.c0 >= len(row):
                continue  # with start, only the cells given are written
            _write_cell_data(box, r, c, data, paths)
    return {}


def repeat_cell(ss, payload, context):
    paths = parse_mask(payload.get("fields", ""))
    box = ss.grid_box(payload.get("range", {}))
    check_editable(box.sheet, box.r0, box.c0, box.r1, box.c1)
    for r in range(box.r0, box.r1):
        for c in range(box.c0, box.c1):
            _write_cell_data(box, r, c, payload.get("cell", {}), paths)
    return {}


def copy_paste(ss, payload, context):
    """copyPaste: the source range tiled over the destination, in full or its values or
    formats only (the other paste types are not emulated)."""
    kind = payload.get("pasteType", "PASTE_NORMAL")
    if kind not in ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_FORMAT"):
        raise ApiError(501, f"The sheets emulator does not emulate pasteType {kind}.")
    if payload.get("pasteOrientation", "NORMAL") != "NORMAL":
        raise ApiError(501, "The sheets emulator only pastes in the NORMAL orientation.")
    if "source" not in payload or "destination" not in payload:
        raise bad_request("copyPaste requires a source and a destination.")
    source, target = ss.grid_box(payload["source"]), ss.grid_box(payload["destination"])
    check_editable(target.sheet, target.r0, target.c0, target.r1, target.c1)
    height, width = source.r1 - source.r0, source.c1 - source.c0
    copied = {(r, c): copy.deepcopy(source.sheet.cell(source.r0 + r, source.c0 + c))
              for r in range(height) for c in range(width)}
    for r in range(target.r0, max(target.r1, target.r0 + height)):
        for c in range(target.c0, max(target.c1, target.c0 + width)):
            if r >= target.sheet.rows or c >= target.sheet.columns:
                continue
            cell, held = target.sheet.cell(r, c), copied[((r - target.r0) % height,
                                                          (c - target.c0) % width)]
            if kind != "PASTE_FORMAT":
                cell.value, cell.formula = held.value, held.formula
            if kind != "PASTE_VALUES":
                cell.fmt = copy.deepcopy(held.fmt)
            target.sheet.tidy(r, c)
    for r in range(source.r0, source.r1):
        for c in range(source.c0, source.c1):
            source.sheet.tidy(r, c)
    return {}


def _write_cell_data(box: Box, r: int, c: int, data: dict, paths) -> None:
    """Write one CellData under a field mask (userEnteredValue, userEnteredFormat..., note)."""
    cell = box.sheet.cell(r, c)
    for path in paths:
        head = path[0] if path else "*"
        if head in ("userEnteredValue", "*"):
            cell.value, cell.formula = _entered(data.get("userEnteredValue"))
        if head in ("userEnteredFormat", "*"):
            fmt = {"userEnteredFormat": cell.fmt}
            apply_mask(fmt, {"userEnteredFormat": data.get("userEnteredFormat", {})}, [path or ("userEnteredFormat",)])
            cell.fmt = fmt.get("userEnteredFormat", {})
        if head in ("note", "*"):
            cell.note = data.get("note")
    box.sheet.tidy(r, c)


def _entered(value: dict | None):
    if not value:
        return None, None
    if "formulaValue" in value:
        return None, value["formulaValue"]
    for key in ("stringValue", "numberValue", "boolValue"):
        if key in value:
            stored = value[key]
            return (None if stored == "" else stored), None
    raise bad_request(f"Unsupported userEnteredValue: {sorted(value)}")


# ---- dimensions and sorting -------------------------------------------------------------------

def _dimension_range(ss, payload):
    span = payload.get("range", {})
    sheet = ss.require_sheet(span.get("sheetId", 0))
    dimension = span.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise bad_request("range.dimension must be ROWS or COLUMNS.")
    start, end = span.get("startIndex", 0), span.get("endIndex")
    limit = sheet.rows if dimension == "ROWS" else sheet.columns
    end = limit if end is None else end
    if start < 0 or end < start:
        raise bad_request("Invalid dimension range: startIndex must be <= endIndex.")
    return sheet, dimension, start, end, limit


def insert_dimension(ss, payload, context):
    sheet, dimension, start, end, limit = _dimension_range(ss, payload)
    if start > limit:
        raise bad_request(f"Invalid range: startIndex ({start}) is past the last {dimension.lower()[:-1]} ({limit}).")
    if payload.get("inheritFromBefore") and start == 0:
        raise bad_request("Cannot inherit from before when inserting at index 0.")
    grid_ops.insert_dimension(ss, sheet, dimension, start, end, bool(payload.get("inheritFromBefore")))
    return {}


def delete_dimension(ss, payload, context):
    sheet, dimension, start, end, _ = _dimension_range(ss, payload)
    grid_ops.delete_dimension(ss, sheet, dimension, start, end)
    return {}


def append_dimension(ss, payload, context):
    sheet = ss.require_sheet(payload.get("sheetId", 0))
    dimension, length = payload.get("dimension"), payload.get("length", 0)
    start = sheet.rows if dimension == "ROWS" else sheet.columns
    grid_ops.insert_dimension(ss, sheet, dimension, start, start + length)
    return {}


def sort_range(ss, payload, context):
    box = ss.grid_box(payload.get("range", {}))
    specs = []
    for spec in payload.get("sortSpecs", []):
        column = spec.get("dimensionIndex", 0)
        if not box.c0 <= column < box.c1:
            raise bad_request(f"Sort column {column} is outside the range being sorted.")
        specs.append((column, spec.get("sortOrder", "ASCENDING") != "DESCENDING"))
    grid_ops.sort_rows(ss, box, specs or [(box.c0, True)])
    return {}


# ---- named ranges and developer metadata --------------------------------------------------------

def add_named_range(ss, payload, context):
    named = copy.deepcopy(payload.get("namedRange", {}))
    name = named.get("name", "")
    if not name or any(n["name"].casefold() == name.casefold() for n in ss.named_ranges):
        raise bad_request(f"Invalid named range name: {name!r} is empty or already used.")
    ss.grid_box(named.get("range", {}))  # validates the sheet and the bounds
    named.setdefault("namedRangeId", context.new_token())
    ss.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


def delete_named_range(ss, payload, context):
    wanted = payload.get("namedRangeId")
    if not any(n["namedRangeId"] == wanted for n in ss.named_ranges):
        raise bad_request(f"No named range with id: {wanted}")
    ss.named_ranges = [n for n in ss.named_ranges if n["namedRangeId"] != wanted]
    return {}


def create_developer_metadata(ss, payload, context):
    meta = copy.deepcopy(payload.get("developerMetadata", {}))
    location = meta.get("location", {})
    if location.get("spreadsheet"):
        meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
    elif "sheetId" in location:
        ss.require_sheet(location["sheetId"])
        meta["location"] = {"locationType": "SHEET", "sheetId": location["sheetId"]}
    elif "dimensionRange" in location:
        span = location["dimensionRange"]
        ss.require_sheet(span.get("sheetId", 0))
        meta["location"] = {"locationType": "ROW" if span.get("dimension") == "ROWS" else "COLUMN",
                            "dimensionRange": {"sheetId": span.get("sheetId", 0), "dimension": span.get("dimension"),
                                               "startIndex": span.get("startIndex", 0),
                                               "endIndex": span.get("endIndex")}}
    else:
        raise bad_request("developerMetadata.location must be set.")
    if "visibility" not in meta:
        raise bad_request("developerMetadata.visibility must be set.")
    if meta.get("metadataId") and any(m["metadataId"] == meta["metadataId"] for m in ss.developer_metadata):
        raise bad_request(f"Developer metadata with ID {meta['metadataId']} already exists.")
    meta["metadataId"] = meta.get("metadataId") or context.new_int()
    ss.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}


def delete_developer_metadata(ss, payload, context):
    doomed = matching_metadata(ss, [payload.get("dataFilter", {})])
    ss.developer_metadata = [m for m in ss.developer_metadata if m not in doomed]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": doomed}}


def matching_metadata(ss: Spreadsheet, filters: list[dict]) -> list[dict]:
    """Developer metadata matching any of the DataFilters' developerMetadataLookup."""
    found = []
    for data_filter in filters:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            raise ApiError(501, "The sheets emulator only supports developerMetadataLookup data filters.")
        for meta in ss.developer_metadata:
            if ("metadataId" in lookup and lookup["metadataId"] != meta["metadataId"]) or (
                    "metadataKey" in lookup and lookup["metadataKey"] != meta.get("metadataKey")) or (
                    "metadataValue" in lookup and lookup["metadataValue"] != meta.get("metadataValue")):
                continue
            if meta not in found:
                found.append(meta)
    return found


def merge_cells(ss, payload, context):
    """mergeCells: MERGE_ALL makes one merge of the range, MERGE_COLUMNS one per column,
    MERGE_ROWS one per row; merging over an existing merge is refused, as in Sheets."""
    box = ss.grid_box(payload.get("range", {}))
    kind = payload.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ALL":
        spans = [(box.r0, box.r1, box.c0, box.c1)]
    elif kind == "MERGE_COLUMNS":
        spans = [(box.r0, box.r1, c, c + 1) for c in range(box.c0, box.c1)]
    elif kind == "MERGE_ROWS":
        spans = [(r, r + 1, box.c0, box.c1) for r in range(box.r0, box.r1)]
    else:
        raise bad_request(f'Invalid value at \'merge_type\' (TYPE_ENUM), "{kind}"')
    for merge in box.sheet.merges:
        if _overlaps(merge, box):
            raise bad_request("You can't merge cells that are already merged.")
    for r0, r1, c0, c1 in spans:
        if (r1 - r0) * (c1 - c0) > 1:
            box.sheet.merges.append({"sheetId": box.sheet.id, "startRowIndex": r0, "endRowIndex": r1,
                                     "startColumnIndex": c0, "endColumnIndex": c1})
    return {}


def unmerge_cells(ss, payload, context):
    box = ss.grid_box(payload.get("range", {}))
    box.sheet.merges = [m for m in box.sheet.merges if not _overlaps(m, box)]
    return {}


def _overlaps(merge: dict, box: Box) -> bool:
    return (merge["startRowIndex"] < box.r1 and box.r0 < merge["endRowIndex"]
            and merge["startColumnIndex"] < box.c1 and box.c0 < merge["endColumnIndex"])


def add_protected_range(ss, payload, context):
    protected = ss.protect(payload.get("protectedRange", {}), by_caller=True)
    return {"addProtectedRange": {"protectedRange": protected}}


def delete_protected_range(ss, payload, context):
    ss.unprotect(payload.get("protectedRangeId"))
    return {}


HANDLERS = {
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells,
    "repeatCell": repeat_cell,
    "copyPaste": copy_paste,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "sortRange": sort_range,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "createDeveloperMetadata": create_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
    **presentation.HANDLERS,
}
