"""Protected ranges (Data > Protect sheets and ranges) that would stop a write: found in the
metadata read, so that a run refuses before anything is written, in one sentence naming the
range, instead of Google refusing part way (a protected range refuses the whole batchUpdate
with HTTP 400, "You are trying to edit a protected cell or object...")."""

from ...core.cells import cell_name, column_letters
from ...core.errors import WriteConflict

FIELDS = "protectedRanges(range,warningOnly,requestingUserCanEdit)"
Span = tuple[int | None, int | None, int | None, int | None]  # rows, columns; None: unbounded


def locked(metadata: dict) -> dict[int, list[Span]]:
    """sheetId -> the ranges the service account may not edit (warning-only ones aside)."""
    found: dict[int, list[Span]] = {}
    for sheet in metadata.get("sheets", []):
        sheet_id = sheet.get("properties", {}).get("sheetId", 0)
        for protected in sheet.get("protectedRanges", []):
            if protected.get("warningOnly") or protected.get("requestingUserCanEdit"):
                continue
            span = protected.get("range", {})
            found.setdefault(sheet_id, []).append((
                span.get("startRowIndex"), span.get("endRowIndex"),
                span.get("startColumnIndex"), span.get("endColumnIndex")))
    return found


def refuse_protected(title: str, spans: list[Span], cells, columns: set[int],
                     whole: str | None = None) -> None:
    """Refuse (WriteConflict) when a protected span of sheet `title` covers a cell to write
    ((row, column), 0-based), a whole column in `columns`, or, with `whole` (what the sheet
    is to sheetsales), any of it."""
    for span in spans:
        r0, r1, c0, c1 = span
        if whole:
            what = whole
        elif any(_column_in(c, c0, c1) for c in columns):
            what = "its status columns"
        else:
            hit = sorted(k for k in cells if _column_in(k[1], c0, c1) and
                         (r0 or 0) <= k[0] and (r1 is None or k[0] < r1))
            if not hit:
                continue
            what = ", ".join(cell_name(r + 1, c + 1) for r, c in hit[:5])
        raise WriteConflict(
            f"{_a1(title, span)} is protected (Data > Protect sheets and ranges) and sheetsales "
            f"would write {what} there; add the service account to that range's editors or "
            "remove the protection, then run again. Nothing was written")


def _column_in(column: int, c0: int | None, c1: int | None) -> bool:
    return (c0 or 0) <= column and (c1 is None or column < c1)


def _a1(title: str, span: Span) -> str:
    """The span as a person sees it in Sheets: 'Deals'!J1:M6, J:M, 2:5, or the whole sheet."""
    r0, r1, c0, c1 = span
    if r1 is None and c1 is None:
        return f"{title} (the whole sheet)"
    if r1 is None:
        return f"{title}!{column_letters((c0 or 0) + 1)}:{column_letters(c1)}"
    if c1 is None:
        return f"{title}!{(r0 or 0) + 1}:{r1}"
    first = cell_name((r0 or 0) + 1, (c0 or 0) + 1)
    return f"{title}!{first}" if (r1, c1) == ((r0 or 0) + 1, (c0 or 0) + 1) else \
        f"{title}!{first}:{cell_name(r1, c1)}"
