"""Keeping every write under Google's request limit (10 MiB per request body): a batchUpdate
or a values write too big for one request is cut into pieces that each fit, in order, so
that applying the pieces one after the other gives what the whole would have. Pure.

An `updateCells` too big is cut by rows; one over a whole `range` (the Reminders sheet,
which it also clears below its rows) keeps its range in the first piece, so the clearing
happens once, and the later pieces continue at their rows with `start`."""

import json

REQUEST_LIMIT = 10 * 1024 * 1024  # bytes Google accepts in one request body
PIECE_LIMIT = 9 * 1024 * 1024  # what sheetsales puts in one: room for the envelope


def piece_limit() -> int:
    """The bytes of one piece, read when a write is cut (tests make it small)."""
    return PIECE_LIMIT


def size(value) -> int:
    """Bytes of `value` as JSON on the wire (requests' own separators)."""
    return len(json.dumps(value).encode())


def split_requests(requests: list[dict], limit: int = PIECE_LIMIT) -> list[list[dict]]:
    """batchUpdate requests packed, in order, into pieces of at most `limit` bytes."""
    small = []
    for request in requests:
        if "updateCells" in request and size(request) > limit // 2:
            small += _cut_update_cells(request["updateCells"], limit // 2)
        else:
            small.append(request)
    return _pack(small, limit)


def split_values(data: list[dict], limit: int = PIECE_LIMIT) -> list[list[dict]]:
    """values:batchUpdateByDataFilter ranges (one column each, from row 1, nulls skipped)
    packed into pieces of at most `limit` bytes; a column too big is cut by rows, the later
    parts led by nulls (a few bytes per row) so they still start at row 1."""
    small = []
    for item in data:
        if size(item) <= limit // 2:
            small.append(item)
            continue
        values = item["values"][0]
        step = max(1, len(values) * (limit // 2) // size(item) // 2)
        for start in range(0, len(values), step):
            part = [None] * start + values[start:start + step]
            if any(v is not None for v in part):
                small.append({**item, "values": [part]})
    return _pack(small, limit)


def covered(requests: list[dict]) -> set[tuple[int, int, int]]:
    """(sheetId, row, column) of every cell the requests' updateCells write (0-based)."""
    cells = set()
    for request in requests:
        update = request.get("updateCells")
        if update is None:
            continue
        origin = update.get("start") or update.get("range") or {}
        sheet = origin.get("sheetId", 0)
        row0 = origin.get("rowIndex", origin.get("startRowIndex", 0))
        col0 = origin.get("columnIndex", origin.get("startColumnIndex", 0))
        for i, row in enumerate(update.get("rows", [])):
            for j, _ in enumerate(row.get("values", [])):
                cells.add((sheet, row0 + i, col0 + j))
    return cells


def _cut_update_cells(update: dict, limit: int) -> list[dict]:
    rows = update.get("rows", [])
    per_row = max(1, size(update) // max(1, len(rows)))
    step = max(1, limit // per_row)
    origin = update.get("start") or update.get("range") or {}
    sheet = origin.get("sheetId", 0)
    row0 = origin.get("rowIndex", origin.get("startRowIndex", 0))
    col0 = origin.get("columnIndex", origin.get("startColumnIndex", 0))
    parts = []
    for first in range(0, len(rows), step):
        part = {"rows": rows[first:first + step], "fields": update["fields"]}
        if first == 0 and "range" in update:
            part["range"] = update["range"]  # clears below the rows, once
        else:
            part["start"] = {"sheetId": sheet, "rowIndex": row0 + first, "columnIndex": col0}
        parts.append({"updateCells": part})
    return parts


def _pack(items: list[dict], limit: int) -> list[list[dict]]:
    pieces, current, used = [], [], 0
    for item in items:
        n = size(item) + 2
        if current and used + n > limit:
            pieces.append(current)
            current, used = [], 0
        current.append(item)
        used += n
    if current:
        pieces.append(current)
    return pieces
