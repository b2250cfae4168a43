"""What a sheet shows beyond its cells, as the API keeps and returns it: conditional format
rules, embedded charts, the basic filter and column widths; the batchUpdate handlers that
change them, with the checks the real API makes on each (the request's shape is checked
first, against the published schema: see schema.py).

Kept on each emulated Sheet as plain attributes (so a refused batch rolls them back with the
rest of the sheet) and returned by spreadsheets.get as `conditionalFormats`, `charts` and
`basicFilter`."""

from __future__ import annotations

import copy

from .workbook import ApiError, Spreadsheet, bad_request

_CHART_IDS = iter(range(700_000_001, 2**31))


def rules(sheet) -> list[dict]:
    return sheet.conditional_formats


def charts(sheet) -> list[dict]:
    return sheet.charts


def shown(sheet) -> dict:
    """The sheet's conditionalFormats, charts and basicFilter, as spreadsheets.get gives them."""
    entry = {}
    if rules(sheet):
        entry["conditionalFormats"] = copy.deepcopy(rules(sheet))
    if charts(sheet):
        entry["charts"] = copy.deepcopy(charts(sheet))
    if sheet.basic_filter:
        entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    return entry


def _range(ss: Spreadsheet, grid_range: dict, what: str) -> dict:
    sheet = ss.require_sheet(grid_range.get("sheetId", 0))
    box = ss.grid_box(grid_range)
    if box.r0 >= box.r1 or box.c0 >= box.c1:
        raise bad_request(f"{what} must not be empty.")
    result = copy.deepcopy(grid_range)
    result["sheetId"] = sheet.id
    return result


def add_conditional_format_rule(ss, payload, context):
    rule = copy.deepcopy(payload.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise bad_request("Conditional format rules require at least one range.")
    sheets = {r.get("sheetId", 0) for r in ranges}
    if len(sheets) > 1:
        raise bad_request("All ranges in a conditional format rule must be on the same sheet.")
    rule["ranges"] = [_range(ss, r, "A conditional format range") for r in ranges]
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise bad_request("Exactly one of booleanRule or gradientRule must be set.")
    if "booleanRule" in rule:
        condition = rule["booleanRule"].get("condition") or {}
        kind = condition.get("type", "CONDITION_TYPE_UNSPECIFIED")
        count = len(condition.get("values") or [])
        if kind == "CONDITION_TYPE_UNSPECIFIED":
            raise bad_request("Invalid ConditionType: CONDITION_TYPE_UNSPECIFIED")
        if kind.startswith("TEXT_") and kind not in ("TEXT_IS_EMAIL", "TEXT_IS_URL") \
                and count != 1:
            raise bad_request(f"{kind} condition requires exactly one ConditionValue, but "
                              f"{count} were given.")
        if not rule["booleanRule"].get("format"):
            raise bad_request("A boolean rule requires a format.")
    sheet = ss.require_sheet(sheets.pop())
    index = payload.get("index", 0)
    if not 0 <= index <= len(rules(sheet)):
        raise bad_request(f"Invalid index: {index}, must be between 0 and {len(rules(sheet))}.")
    rules(sheet).insert(index, rule)
    return {}


def delete_conditional_format_rule(ss, payload, context):
    sheet = ss.require_sheet(payload.get("sheetId", 0))
    index = payload.get("index", 0)
    if not 0 <= index < len(rules(sheet)):
        raise bad_request(f"No conditional format on sheet: {sheet.id} at index: {index}")
    rule = rules(sheet).pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def set_basic_filter(ss, payload, context):
    spec = copy.deepcopy(payload.get("filter") or {})
    if "range" not in spec:
        raise bad_request("A filter requires a range.")
    spec["range"] = _range(ss, spec["range"], "The filter range")
    sheet = ss.require_sheet(spec["range"]["sheetId"])
    sheet.basic_filter = spec
    return {}


def clear_basic_filter(ss, payload, context):
    ss.require_sheet(payload.get("sheetId", 0)).basic_filter = None
    return {}


def update_dimension_properties(ss, payload, context):
    span = payload.get("range")
    if not span:
        raise bad_request("range must be set.")
    if not payload.get("fields"):
        raise bad_request("At least one field must be updated.")
    sheet = ss.require_sheet(span.get("sheetId", 0))
    dimension = span.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise bad_request(f"Invalid dimension: {dimension}")
    limit = sheet.rows if dimension == "ROWS" else sheet.columns
    start, end = span.get("startIndex", 0), span.get("endIndex", limit)
    if not 0 <= start < end <= limit:
        raise bad_request(f"Invalid dimension range: {start} to {end} (the sheet has {limit}).")
    pixel = (payload.get("properties") or {}).get("pixelSize")
    if pixel is not None and pixel < 0:
        raise bad_request("pixelSize must not be negative.")
    sizes = sheet.sizes
    for i in range(start, end):
        sizes[(dimension, i)] = pixel
    return {}


def add_chart(ss, payload, context):
    chart = copy.deepcopy(payload.get("chart") or {})
    spec = chart.get("spec")
    if not spec:
        raise bad_request("A chart requires a spec.")
    kinds = [k for k in spec if k.endswith("Chart")]
    if len(kinds) != 1:
        raise bad_request("Exactly one chart type must be set in the spec.")
    basic = spec.get("basicChart")
    if basic is not None:
        if not basic.get("series"):
            raise bad_request("A basic chart requires at least one series.")
        for part in basic.get("domains", []) + basic.get("series", []):
            data = part.get("domain") or part.get("series") or {}
            sources = (data.get("sourceRange") or {}).get("sources") or []
            if len(sources) != 1:
                raise bad_request("A chart's data must have exactly one source range.")
            _range(ss, sources[0], "A chart's source range")
    position = chart.get("position") or {}
    if len([k for k in ("newSheet", "overlayPosition", "sheetId") if k in position]) != 1:
        raise bad_request("A chart's position must set exactly one of sheetId, "
                          "overlayPosition and newSheet.")
    if "overlayPosition" not in position:
        raise ApiError(501, "The sheets emulator only places charts with overlayPosition.")
    anchor = position["overlayPosition"].get("anchorCell") or {}
    sheet = ss.require_sheet(anchor.get("sheetId", 0))
    taken = {c["chartId"] for s in ss.sheets for c in charts(s)}
    if "chartId" in chart:
        if chart["chartId"] in taken:
            raise bad_request(f"Duplicate object ID: {chart['chartId']}")
    else:
        chart["chartId"] = next(i for i in _CHART_IDS if i not in taken)
    charts(sheet).append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def delete_embedded_object(ss, payload, context):
    wanted = payload.get("objectId")
    for sheet in ss.sheets:
        for chart in charts(sheet):
            if chart["chartId"] == wanted:
                charts(sheet).remove(chart)
                return {}
    raise bad_request(f"No object with id: {wanted}")


HANDLERS = {
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "updateDimensionProperties": update_dimension_properties,
    "addChart": add_chart,
    "deleteEmbeddedObject": delete_embedded_object,
}


def column_metadata(sheet) -> list[dict]:
    """The sheet's columnMetadata, as a mask asking for `data.columnMetadata` gets it
    (Sheets' default width is 100 pixels)."""
    sizes = sheet.sizes
    return [{"pixelSize": 100 if sizes.get(("COLUMNS", i)) is None else sizes[("COLUMNS", i)]}
            for i in range(sheet.columns)]


def move_ranges(ss: Spreadsheet, sheet_id: int, start_key: str, end_key: str, move) -> None:
    """Conditional format ranges, the basic filter, chart sources and row or column sizes
    follow rows or columns inserted and deleted on sheet `sheet_id`, as in Sheets (a rule or
    chart left with no cells goes)."""
    def moved(grid: dict) -> bool:
        if grid.get("sheetId", 0) != sheet_id:
            return True
        start, end = move(grid.get(start_key, 0), grid.get(end_key))
        if start or start_key in grid:
            grid[start_key] = start
        if end is not None:
            grid[end_key] = end
        return end is None or end > start

    sheet = ss.sheet_by_id(sheet_id)
    if sheet is not None and sheet.sizes:
        dimension = "ROWS" if start_key == "startRowIndex" else "COLUMNS"
        sizes = {}
        for (kind, i), size in sheet.sizes.items():
            if kind == dimension:
                start, end = move(i, i + 1)
                if end <= start:
                    continue  # deleted with its row or column
                i = start
            sizes[(kind, i)] = size
        sheet.sizes = sizes
    if sheet is not None:
        kept = []
        for rule in rules(sheet):
            rule["ranges"] = [r for r in rule["ranges"] if moved(r)]
            if rule["ranges"]:
                kept.append(rule)
        sheet.conditional_formats = kept
        spec = sheet.basic_filter
        if spec and not moved(spec["range"]):
            sheet.basic_filter = None
    for other in ss.sheets:
        kept = []
        for chart in charts(other):
            basic = chart.get("spec", {}).get("basicChart", {})
            sources = [s for part in basic.get("domains", []) + basic.get("series", [])
                       for data in (part.get("domain") or part.get("series") or {},)
                       for s in (data.get("sourceRange") or {}).get("sources", [])]
            if all([moved(s) for s in sources]):
                kept.append(chart)
        other.charts = kept
