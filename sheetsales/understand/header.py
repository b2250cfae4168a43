"""Finding the deals sheet, its header row and the Products sheet in a grid of cell values,
whatever the grid came from."""

from collections.abc import Iterable, Iterator

from ..core.errors import SourceError
from ..core.fields import (DEALS_SHEET_NAMES, PRODUCTS_SHEET, find_header, header_lookup,
                           map_header)
from ..core.model import Row, SheetData, is_blank, parse_number
from ..core.stages import normalize
from .understanding import stage_entry_columns, understand_header



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
    lookup = header_lookup(config.fields)
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
    for title in candidates:
        rows = grid.rows(title)
        head = _head(rows, header_row or 20)
        found = _header_in(head, lookup, header_row)
        if found:
            index, columns = found
            row_number, header_cells = head[index]
            rest = head[index + 1:]
            headers = {i: str(v).strip() for i, v in enumerate(header_cells) if not is_blank(v)}
            entries, unknown = stage_entry_columns(headers, columns, config.stages)
            columns = {**columns, **entries}
            damage = getattr(grid, "damage", None)  # only a CSV can be damaged in its text
            width = max(i for i, v in enumerate(header_cells) if not is_blank(v)) + 1
            return SheetData(
                source=grid.name, title=title, header_row=row_number, columns=columns,
                headers=headers, rows=_chain(rest, rows), date1904=grid.date1904,
                products=read_products(grid, names), serial_dates=grid.serial_dates,
                understanding=understand_header(grid.name, title, row_number, headers, columns,
                                                config, entries, unknown),
                damage=damage(row_number, width) if damage else [])
        if wanted or header_row:
            break
    where = f"sheet {candidates[0]!r}" if (wanted or header_row) and candidates else "any sheet"
    raise SourceError(f"no header row found in {where} of {grid.name}: a header needs at least "
                      "three known column names such as Deal ID, Company, Owner, Stage; rename "
                      "the columns or map them under [columns] in sheetsales.toml")


def _header_in(head: list[Row], lookup, header_row):
    if header_row:
        for index, (number, cells) in enumerate(head):
            if number == header_row:
                columns = map_header(cells, lookup)
                return (index, columns) if columns else None
        return None
    return find_header([cells for _, cells in head], lookup)


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
