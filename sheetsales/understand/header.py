"""Finding the deals sheet, its header row and the Products sheet in a grid of cell values,
whatever the grid came from."""

from collections.abc import Iterable, Iterator

from ..core.cells import column_letter
from ..core.errors import SourceError
from ..core.fields import DEALS_SHEET_NAMES, HEADER_SCAN_ROWS, MIN_HEADER_MATCHES, PRODUCTS_SHEET
from ..core.model import Row, SheetData, is_blank, parse_number
from ..core.owned import owned_headers
from ..core.stages import normalize
from .columns import HeaderMatch, match_header
from .understanding import entry_stage_name, stage_entry_columns, understand_header


def _head(rows: Iterator[Row], count: int) -> list[Row]:
    head = []
    for row in rows:
        head.append(row)
        if len(head) >= count:
            break
    return head


def locate_deals(grid, config) -> SheetData:
    """The deals sheet: the one named in config, else Deals/Pipeline/Opportunities, else the
    first sheet whose header matches; with its header row (configured or detected), and what
    was understood of its columns (`SheetData.understanding`)."""
    names = grid.sheet_names()
    fields = tuple(config.fields)
    wanted = config.source.sheet
    if wanted:
        match = [n for n in names if n == wanted] or \
            [n for n in names if n.strip().lower() == wanted.strip().lower()]
        if not match:
            raise SourceError(f"{grid.name} has no sheet named {wanted!r}; its sheets are "
                              f"{', '.join(repr(n) for n in names)}. Use --sheet with one of them")
        candidates = match
    else:
        named = [n for n in names if normalize(n) in DEALS_SHEET_NAMES]
        candidates = named + [n for n in names if n not in named]
    header_row = config.source.header_row
    seen: list[tuple[str, int, HeaderMatch]] = []  # every row looked at, for the refusal
    for title in candidates:
        rows = grid.rows(title)
        head = _head(rows, header_row or HEADER_SCAN_ROWS)
        found = _header_in(head, fields, header_row, title, seen,
                           owned_headers(config.status_columns.values()))
        if found is not None:
            index, match = found
            row_number, header_cells = head[index]
            rest = head[index + 1:]
            headers = {i: str(v).strip() for i, v in enumerate(header_cells) if not is_blank(v)}
            # a CRM's per-stage entry dates are step dates, whatever words they share
            plain = {k: i for k, i in match.columns.items()
                     if not entry_stage_name(headers.get(i, ""))}
            entries, unknown = stage_entry_columns(headers, plain, config.stages)
            columns = {**plain, **entries}
            damage = getattr(grid, "damage", None)  # only a CSV can be damaged in its text
            width = max(i for i, v in enumerate(header_cells) if not is_blank(v)) + 1
            return SheetData(
                source=grid.name, title=title, header_row=row_number, columns=columns,
                headers=headers, rows=_chain(rest, rows), date1904=grid.date1904,
                products=read_products(grid, names), serial_dates=grid.serial_dates,
                understanding=understand_header(grid.name, title, row_number, headers, columns,
                                                config, entries, unknown),
                damage=damage(row_number, width) if damage else [],
                evidence={"header": match})
        if wanted or header_row:
            break
    where = f"sheet {candidates[0]!r}" if (wanted or header_row) and candidates else "any sheet"
    raise SourceError(no_header_message(where, grid.name, seen, header_row))


def _header_in(head: list[Row], fields, header_row, title, seen, reserved):
    """(index in `head`, the match) of the header row, or None; every row read is added to
    `seen` as (sheet, row number, match)."""
    for index, (number, cells) in enumerate(head):
        if header_row and number != header_row:
            continue
        match = match_header(cells, fields, reserved)
        seen.append((title, number, match))
        if header_row:
            return (index, match) if match.columns else None
        if match.is_header(MIN_HEADER_MATCHES):
            return index, match
    return None


def no_header_message(where: str, name: str, seen, header_row=None) -> str:
    """The refusal when no header row is found: one sentence, then the three best candidate
    rows with the fields each would map, then the fix."""
    looked = f"row {header_row}" if header_row else f"the first {HEADER_SCAN_ROWS} rows"
    lines = [f"no header row found in {where} of {name}: a header needs at least "
             f"{MIN_HEADER_MATCHES} known column names such as Deal ID, Company, Owner, Stage "
             f"(looked at {looked} of each sheet)."]
    best = sorted((s for s in seen if s[2].matches or s[2].ties),
                  key=lambda s: (-len(s[2].matches), -s[2].strong, s[1]))[:3]
    if best:
        lines.append("Best candidate rows:")
    for title, number, match in best:
        mapped = ", ".join(f"{column_letter(m.index)} {m.header!r} -> {m.field}"
                           + (f" ({m.how})" if m.weak else "") for m in match.matches)
        ties = "".join(f"; {h!r} could be {' or '.join(f)}" for h, f in match.ties)
        lines.append(f"  {title!r} row {number}: {mapped or 'nothing mapped'}{ties}")
    lines.append("Run `sheetsales init --from SOURCE` to map the columns with you, or name them "
                 "under [columns] in sheetsales.toml (and [source] header_row).")
    return "\n".join(lines)


def _chain(first: list[Row], rest: Iterable[Row]) -> Iterator[Row]:
    yield from first
    yield from rest


def read_products(grid, names: list[str]) -> dict[str, dict] | None:
    """The optional Products sheet: product name (normalised) -> {"name", "price",
    "lead_time_days"}; None when the workbook has no Products sheet."""
    title = next((n for n in names if normalize(n) == PRODUCTS_SHEET), None)
    if title is None:
        return None
    products: dict[str, dict] = {}
    columns = None
    for _, cells in grid.rows(title):
        if columns is None:
            found = {normalize(str(v)): i for i, v in enumerate(cells) if not is_blank(v)}
            if "product" in found:
                columns = found
            continue
        name = _cell(cells, columns.get("product"))
        if is_blank(name):
            continue
        lead = parse_number(_cell(cells, columns.get("leadtimedays", columns.get("leadtime"))) or "")
        price = parse_number(_cell(cells, columns.get("price")) or "")
        products[normalize(str(name))] = {"name": str(name).strip(), "price": price,
                                          "lead_time_days": int(lead) if lead else None}
    return products


def _cell(cells, index):
    return cells[index] if index is not None and index < len(cells) else None
