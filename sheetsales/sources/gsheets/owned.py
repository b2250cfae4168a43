"""Writing sheetsales' own status columns through their ownership records, never through a
position: one `values:batchUpdateByDataFilter` whose ranges are developer-metadata lookups,
so a column a person inserts or moves between our re-read and our write cannot redirect it
onto their cells (Sheets resolves the column when it applies the write). Pure: the target
sends the body and hands back the response.

Values go USER_ENTERED, typed so nothing is parsed from user text: text behind a leading
apostrophe (stored as the text itself, never a formula or number), dates as ISO text (stored
as real dates), numbers and booleans as JSON numbers and booleans, a clear as "". Cells not
to write are null, which the API skips."""

import datetime as dt
import math
import re

from ...core.cells import column_number
from .batch import Cells

_RANGE_COLUMN = re.compile(r"!\$?([A-Za-z]{1,3})")


def entered(value):
    """The USER_ENTERED form of `value` that stores exactly it."""
    if value is None or (isinstance(value, str) and value == ""):
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value
    return "'" + str(value)


def body(cells: Cells, ids: dict[int, int]) -> dict:
    """The request body writing `cells` ((row, column) -> value, all in owned columns) into
    the columns whose ownership records have the metadata ids `ids` (column -> id)."""
    columns: dict[int, dict[int, object]] = {}
    for (row, column), value in cells.items():
        columns.setdefault(column, {})[row] = value
    data = []
    for column, rows in sorted(columns.items()):
        values = [None] * (max(rows) + 1)
        for row, value in rows.items():
            values[row] = entered(value)
        data.append({"dataFilter": {"developerMetadataLookup": {"metadataId": ids[column]}},
                     "majorDimension": "COLUMNS", "values": [values]})
    return {"valueInputOption": "USER_ENTERED", "data": data}


def title_now(response: dict) -> str | None:
    """The title of the sheet written, as Sheets names it in the response (a person may have
    renamed the tab since the read)."""
    for answer in response.get("responses", []):
        sheet, bang, _ = answer.get("updatedRange", "").rpartition("!")
        if bang and sheet:
            return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    return None


def landed(response: dict, data: list[dict], columns: dict[int, int]) -> dict[int, int] | None:
    """Column as planned -> column the write landed in (0-based), from each range's
    updatedRange; `columns` maps metadata id -> planned column. None when a record matched
    no column or several."""
    responses = response.get("responses", [])
    if len(responses) != len(data):
        return None
    found = {}
    for item, answer in zip(data, responses):
        match = _RANGE_COLUMN.search(answer.get("updatedRange", ""))
        if match is None:
            return None
        planned = columns[item["dataFilter"]["developerMetadataLookup"]["metadataId"]]
        found[planned] = column_number(match[1]) - 1
    return found


def written(data: list[dict], columns: dict[int, int]) -> set[tuple[int, int]]:
    """(row, planned column) of every cell the ranges write (nulls are skipped)."""
    cells = set()
    for item in data:
        planned = columns[item["dataFilter"]["developerMetadataLookup"]["metadataId"]]
        cells |= {(r, planned) for r, v in enumerate(item["values"][0]) if v is not None}
    return cells
