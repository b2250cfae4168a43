"""sheetsales' Summary sheet on a Google Sheet (issue 15): the plan's rows and look as
batchUpdate requests riding in the write's own batchUpdate: the sheet created once (addSheet
with its marker "summary") and afterwards rewritten in place (one updateCells over the whole
sheet), titles and headings bold, headings filled, number formats, widths, and its charts
(`addChart`, column charts like the workbook's) replaced: every chart on the sheet is ours,
deleted by its id and added again, so a second run never leaves two. Pure."""

import random

from ..base import Chart, SheetLook
from .batch import cell_data, owned_sheet
from .look import colour, header_format, width_requests

MARK = "summary"  # the marker's value on the Summary sheet
CELL_WIDTH, CELL_HEIGHT = 100, 21  # Sheets' default column width and row height, in pixels
_IDS = random.SystemRandom()


def is_summary(tab) -> bool:
    return tab is not None and tab.owned == MARK


def summary_requests(tab, title: str, rows: list[list], look: SheetLook, sheet_id: int,
                     taken: set[int]) -> list[dict]:
    """Create (`tab` None) or rewrite the Summary sheet `title` with `rows` and `look`;
    `taken` holds the chart ids in use in the spreadsheet."""
    requests = owned_sheet(tab, title, MARK, sheet_id, rows, 26)  # room for the charts
    if tab is not None:
        requests += [{"deleteEmbeddedObject": {"objectId": i}} for i in tab.charts]
    requests.append({"updateCells": {
        "range": {"sheetId": sheet_id},
        "rows": [{"values": [_cell(v, i + 1, j + 1, look) for j, v in enumerate(row)]}
                 for i, row in enumerate(rows)],
        "fields": "userEnteredValue,userEnteredFormat.numberFormat,"
                  "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor"}})
    requests += width_requests(sheet_id, look.widths)
    fresh = set(taken)
    for chart in look.charts:
        if chart.rows[1] < chart.rows[0]:
            continue  # nothing to draw
        chart_id = _new_id(fresh)
        requests.append({"addChart": {"chart": chart_spec(chart, sheet_id, chart_id)}})
    return requests


def chart_spec(chart: Chart, sheet_id: int, chart_id: int) -> dict:
    """An EmbeddedChart: one column series of `chart.values` against `chart.categories`,
    headed by the row above the data, its `points` in their own colours."""
    def source(column: int) -> dict:
        return {"sourceRange": {"sources": [{
            "sheetId": sheet_id, "startRowIndex": chart.rows[0] - 2, "endRowIndex": chart.rows[1],
            "startColumnIndex": column - 1, "endColumnIndex": column}]}}

    return {"chartId": chart_id, "spec": {
        "title": chart.title, "basicChart": {
            "chartType": "COLUMN", "legendPosition": "NO_LEGEND", "headerCount": 1,
            "domains": [{"domain": source(chart.categories)}],
            "series": [{"series": source(chart.values), "targetAxis": "LEFT_AXIS",
                        "color": colour(chart.colour), **_points(chart)}]}},
        "position": {"overlayPosition": {
            "anchorCell": {"sheetId": sheet_id, "rowIndex": chart.anchor[1],
                           "columnIndex": chart.anchor[0]},
            "widthPixels": chart.size[0] * CELL_WIDTH,
            "heightPixels": chart.size[1] * CELL_HEIGHT}}}


def _points(chart: Chart) -> dict:
    """The bars coloured apart (`chart.points`: the stale bar red), as the series' per-point
    style overrides (data points counted from 0 below the header)."""
    if not chart.points:
        return {}
    return {"styleOverrides": [{"index": i, "colorStyle": {"rgbColor": colour(rrggbb)}}
                               for i, rrggbb in chart.points]}


def _cell(value, row: int, column: int, look: SheetLook) -> dict:
    data = cell_data(value)
    fmt = dict(data.get("userEnteredFormat", {}))
    if row in look.headings:
        fmt.update(header_format())
    elif row in look.titles:
        fmt["textFormat"] = {"bold": True}
    code = look.formats.get((row, column))
    if code is not None and isinstance(value, (int, float)):
        fmt["numberFormat"] = {"type": "PERCENT" if code.endswith("%") else "NUMBER",
                               "pattern": code}
    if fmt:
        data["userEnteredFormat"] = fmt
    return data


def _new_id(taken: set[int]) -> int:
    while True:
        found = _IDS.randint(1, 2**31 - 1)
        if found not in taken:
            taken.add(found)
            return found
