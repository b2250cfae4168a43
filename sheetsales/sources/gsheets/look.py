"""How sheetsales' columns and the Reminders sheet look on a Google Sheet, as batchUpdate
requests that ride in the write's own batchUpdate (no request more): the Status column's
colours as conditional format rules on the owned column only, the owned columns' widths and
the sheet's filter extended over them; the Reminders sheet's header bold, filled and frozen,
its filter, its widths, and each item's Row a link to the deal's row (`#gid=ID&range=A12`).
Pure.

Our conditional format rules are the ones whose only range is the owned Status column (the
ownership record says where it is now; Sheets moves both when a column is inserted): a run
whose rules are already there adds none, so a second run adds no duplicate; other people's
rules on the sheet are never touched. Rules are deleted by index (the API has no other way),
only when ours must change (the colours configured differently): a rule a person adds in the
instant between our read and that write could shift the index."""

from collections.abc import Iterable

from ...core.owned import tab_row
from ..base import HEADER_FILL, ColumnLook, SheetLook

PIXELS_PER_CHARACTER, PIXEL_PADDING = 7, 5  # Sheets' default font, as Excel's widths read


def colour(rrggbb: str) -> dict:
    """An RRGGBB colour as a Sheets Color."""
    return {name: round(int(rrggbb[i:i + 2], 16) / 255, 4)
            for name, i in (("red", 0), ("green", 2), ("blue", 4))}


def _hex(color: dict) -> str:
    return "".join(f"{round(color.get(n, 0) * 255):02X}" for n in ("red", "green", "blue"))


def status_rules(sheet_id: int, column: int, header_row: int, look: ColumnLook) -> list[dict]:
    """The Status column's rules: cells beginning with each colour's text get its colours,
    below the header (`column` 0-based, `header_row` 1-based), to the sheet's end."""
    span = {"sheetId": sheet_id, "startRowIndex": header_row, "startColumnIndex": column,
            "endColumnIndex": column + 1}
    return [{"ranges": [span], "booleanRule": {
        "condition": {"type": "TEXT_STARTS_WITH", "values": [{"userEnteredValue": c.text}]},
        "format": {"backgroundColor": colour(c.fill),
                   "textFormat": {"foregroundColor": colour(c.font)}}}}
        for c in look.colours]


def _key(rule: dict) -> tuple:
    """What makes two rules the same, read back or planned (the API leaves out zeros and
    rounds colours)."""
    boolean = rule.get("booleanRule", {})
    condition = boolean.get("condition", {})
    fmt = boolean.get("format", {})
    return (condition.get("type"), tuple(v.get("userEnteredValue") for v in
                                         condition.get("values", [])),
            _hex(fmt.get("backgroundColor", {})),
            _hex(fmt.get("textFormat", {}).get("foregroundColor", {})))


def on_column(rule: dict, sheet_id: int, column: int) -> bool:
    """Whether the rule's only range is the whole of column `column` below some row."""
    ranges = rule.get("ranges", [])
    if len(ranges) != 1:
        return False
    span = ranges[0]
    return span.get("sheetId", 0) == sheet_id and span.get("startColumnIndex", 0) == column \
        and span.get("endColumnIndex") == column + 1 and "endRowIndex" not in span


def colour_requests(tab, column: int, header_row: int, look: ColumnLook) -> list[dict]:
    """Requests making the Status column's rules the planned ones (none when they are)."""
    wanted = status_rules(tab.id, column, header_row, look)
    mine = [(i, r) for i, r in enumerate(tab.rules) if on_column(r, tab.id, column)]
    if [_key(r) for _, r in mine] == [_key(r) for r in wanted] and \
            all(r["ranges"][0].get("startRowIndex", 0) == header_row for _, r in mine):
        return []
    return delete_rules(tab, column) + [{"addConditionalFormatRule": {"rule": rule, "index": i}}
                                        for i, rule in enumerate(wanted)]


def delete_rules(tab, column: int) -> list[dict]:
    """Requests deleting the tab's conditional format rules on `column`, the highest index
    first (each deletion renumbers the rules after it)."""
    return [{"deleteConditionalFormatRule": {"sheetId": tab.id, "index": i}}
            for i in reversed(range(len(tab.rules))) if on_column(tab.rules[i], tab.id, column)]


def width_requests(sheet_id: int, widths: dict[int, float]) -> list[dict]:
    """Column widths (1-based column -> characters) as updateDimensionProperties."""
    return [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c - 1,
                  "endIndex": c},
        "properties": {"pixelSize": round(w * PIXELS_PER_CHARACTER + PIXEL_PADDING)},
        "fields": "pixelSize"}} for c, w in sorted(widths.items())]


def header_requests(sheet_id: int, header_row: int, owned: Iterable[int]) -> list[dict]:
    """The owned columns' header cells (`header_row` 1-based, columns 0-based) styled like
    the user's header cell left of the first of them (bold, fill, text colour and the rest
    of its format), by copyPaste: no read of the user's format is needed."""
    columns = sorted(set(owned))
    if not columns or columns[0] == 0 or header_row is None:
        return []
    row = {"startRowIndex": header_row - 1, "endRowIndex": header_row}
    left = columns[0] - 1
    return [{"copyPaste": {
        "source": {"sheetId": sheet_id, **row, "startColumnIndex": left,
                   "endColumnIndex": left + 1},
        "destination": {"sheetId": sheet_id, **row, "startColumnIndex": c,
                        "endColumnIndex": c + 1},
        "pasteType": "PASTE_FORMAT"}} for c in columns]


def column_requests(tab, look: ColumnLook, owned: dict[str, int]) -> list[dict]:
    """The dress of the owned columns on a deals tab: their headers styled like the user's,
    the Status colours, the widths, and a filter the user set extended over the owned
    columns (its criteria kept)."""
    requests = header_requests(tab.id, look.header_row, owned.values())
    if look.status_column is not None and look.colours:
        requests += colour_requests(tab, look.status_column - 1, look.header_row, look)
    requests += width_requests(tab.id, look.widths)
    spec = tab.basic_filter
    if spec:
        span = spec.get("range", {})
        end = max(owned.values(), default=-1) + 1
        if span.get("endColumnIndex", 0) < end:
            requests.append({"setBasicFilter": {"filter": {
                **spec, "range": {**span, "sheetId": tab.id, "endColumnIndex": end}}}})
    return requests


def reminders_requests(sheet_id: int, rows: list[list], look: SheetLook | None) -> list[dict]:
    """The Reminders sheet's filter over its rows and its widths (the header's style and the
    links travel with its cells: see `header_format` and `link`)."""
    if look is None or look.header_row is None:
        return []
    width = max(len(r) for r in rows)
    requests = [{"setBasicFilter": {"filter": {"range": {
        "sheetId": sheet_id, "startRowIndex": look.header_row - 1, "endRowIndex": len(rows),
        "startColumnIndex": 0, "endColumnIndex": width}}}}]
    return requests + width_requests(sheet_id, look.widths)


def header_format() -> dict:
    return {"textFormat": {"bold": True}, "backgroundColor": colour(HEADER_FILL)}


def link(value, deals_id: int | None, ids: dict[str, int]) -> str | None:
    """The link of a Reminders Row cell to its deal's row: `#gid=ID&range=A12`."""
    if isinstance(value, int) and not isinstance(value, bool) and deals_id is not None:
        return f"#gid={deals_id}&range=A{value}"
    found = tab_row(value)
    if found and found[0] in ids:
        return f"#gid={ids[found[0]]}&range=A{found[1]}"
    return None
