"""A person's edits, applied by the emulator just before a chosen API request, so tests can
put a colleague's change in any window of a client's run (between its read and its write,
inside its check, after its write).

An edit is plain JSON: ``{"action": ..., "spreadsheetId"?, "before"?, ...}``. ``before``
chooses the request: ``{"method"?, "path_contains"?, "nth"?}`` (the nth matching API request
from now, 1 by default); without it the edit runs just before the next write. Actions:

- ``sort`` (range, column, descending): sort the rows of a range by one column
- ``insert_row`` (sheet, index, values) / ``delete_row`` (sheet, index): 0-based row index
- ``insert_column`` (sheet, index, values: the new column's cells from row 1)
- ``delete_column`` (sheet, index)
- ``rename_sheet`` (sheet, title) / ``delete_sheet`` (sheet)
- ``update`` (range, values, valueInputOption): type values, as a person would
- ``protect`` (range, or sheet for the whole tab; description): protect it as the owner
  would in the UI, so that the API caller is not among its editors
"""

from __future__ import annotations

from urllib.parse import unquote

from . import grid_ops
from .a1 import column_index


def due(edit: dict, method: str, path: str, write_target: str | None) -> bool:
    """Whether `edit` runs before this request (counting it down when it matches)."""
    wanted = edit.get("before")
    spreadsheet = edit.get("spreadsheetId")
    if spreadsheet and spreadsheet not in unquote(path):
        return False
    if wanted is None:
        return write_target is not None
    if wanted.get("method") and wanted["method"].upper() != method:
        return False
    if wanted.get("path_contains") and wanted["path_contains"] not in unquote(path):
        return False
    edit["_seen"] = edit.get("_seen", 0) + 1
    return edit["_seen"] >= int(wanted.get("nth", 1))


def spreadsheet_of(path: str) -> str | None:
    """The spreadsheet id in an API path, if any."""
    parts = unquote(path).split("/")
    if len(parts) > 3 and parts[1] == "v4" and parts[2] == "spreadsheets":
        return parts[3].split(":")[0]
    return None


def apply(api, ss, edit: dict) -> None:
    EDITS[edit["action"]](api, ss, edit)


def _sheet(ss, edit):
    sheet = ss.find_sheet(edit["sheet"]) if edit.get("sheet") else ss.sheets[0]
    if sheet is None:
        raise ValueError(f"no sheet {edit['sheet']!r}")
    return sheet


def _sort(api, ss, m):
    box = ss.box(m["range"])
    column = m.get("column", 0)
    column = column_index(column) if isinstance(column, str) else int(column)
    grid_ops.sort_rows(ss, box, [(column, not m.get("descending", False))])


def _insert_row(api, ss, m):
    sheet = _sheet(ss, m)
    grid_ops.insert_dimension(ss, sheet, "ROWS", m["index"], m["index"] + 1)
    if m.get("values"):
        ss.write(sheet, m["index"], 0, [m["values"]], m.get("valueInputOption", "USER_ENTERED"),
                 api.today())


def _delete_row(api, ss, m):
    grid_ops.delete_dimension(ss, _sheet(ss, m), "ROWS", m["index"], m["index"] + 1)


def _insert_column(api, ss, m):
    sheet = _sheet(ss, m)
    grid_ops.insert_dimension(ss, sheet, "COLUMNS", m["index"], m["index"] + 1)
    if m.get("values"):
        ss.write(sheet, 0, m["index"], [[v] for v in m["values"]],
                 m.get("valueInputOption", "USER_ENTERED"), api.today())


def _delete_column(api, ss, m):
    grid_ops.delete_dimension(ss, _sheet(ss, m), "COLUMNS", m["index"], m["index"] + 1)


def _rename_sheet(api, ss, m):
    _sheet(ss, m).props["title"] = m["title"]


def _delete_sheet(api, ss, m):
    ss.delete_sheet(_sheet(ss, m).id)


def _update(api, ss, m):
    sheet, ref = ss.locate(m["range"])
    ss.write(sheet, ref.start_row, ref.start_col, m["values"],
             m.get("valueInputOption", "USER_ENTERED"), api.today())


def _protect(api, ss, m):
    if m.get("range"):
        span = ss.box(m["range"]).grid_range()
    else:
        span = {"sheetId": _sheet(ss, m).id}
    ss.protect({"range": span, "description": m.get("description", "")}, by_caller=False)


EDITS = {"sort": _sort, "insert_row": _insert_row, "delete_row": _delete_row,
         "insert_column": _insert_column, "delete_column": _delete_column,
         "rename_sheet": _rename_sheet, "delete_sheet": _delete_sheet, "update": _update,
         "protect": _protect}
