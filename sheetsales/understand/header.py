"""Finding the deals sheets (every tab of a pipeline), their header rows and the Products
sheet in a grid of cell values, whatever the grid came from."""

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..core.errors import ConfigError, SourceError
from ..core.fields import DEALS_SHEET_NAMES, PRODUCTS_SHEET, find_header, header_lookup, map_header
from ..core.model import REMINDERS_SHEET, Row, SheetData, is_blank, parse_number
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
    """The first deals sheet of `locate_sheets` (see there)."""
    return locate_sheets(grid, config).sheets[0]


@dataclass
class Located:
    """The deals tabs of a workbook (one named Deals/Pipeline/Opportunities first, then in
    workbook order), and the sheets skipped with why."""

    sheets: list[SheetData]
    skipped: list[tuple[str, str]] = field(default_factory=list)


OWN_SHEETS = (normalize(REMINDERS_SHEET), "summary")  # sheetsales' own: never deals
NO_HEADER = "no deals header"
OWN, PRODUCTS = "sheetsales' own sheet", "the Products sheet"  # skipped as a matter of course


def locate_sheets(grid, config, every: bool = True) -> Located:
    """The deals tabs: the sheets named or matched by config (`[source] sheets`/`sheet`,
    `--sheet`), else every sheet whose header maps to the deals fields (sheetsales' own
    sheets and the Products sheet never count); each with its header row (configured or
    detected) and what was understood of its columns (`SheetData.understanding`). With
    `every` False only the first match counts, a sheet named Deals/Pipeline/Opportunities
    first (a source that writes one tab only: Google Sheets, for now)."""
    names = grid.sheet_names()
    lookup = header_lookup(config.fields)
    wanted = config.source.wanted_sheets
    skipped: list[tuple[str, str]] = []
    if wanted:
        candidates = _chosen(grid, names, wanted)
    else:
        candidates = []
        for name in names:
            key = normalize(name)
            if key in OWN_SHEETS:
                skipped.append((name, OWN))
            elif key == PRODUCTS_SHEET:
                skipped.append((name, PRODUCTS))
            else:
                candidates.append(name)
    named = [n for n in candidates if normalize(n) in DEALS_SHEET_NAMES]  # the first tab
    candidates = named + [n for n in candidates if n not in named]
    if not every:
        if wanted:
            candidates = candidates[:1]
    header_row = config.source.header_row
    products = read_products(grid, names)
    sheets = []
    for title in candidates:
        sheet = _locate(grid, title, lookup, header_row, config, products)
        if sheet and not every:
            return Located([sheet])
        if sheet:
            sheets.append(sheet)
        elif wanted:
            raise _no_header(grid, f"sheet {title!r}")
        else:
            skipped.append((title, NO_HEADER))
            grid.release(title)
    if not sheets:
        where = f"sheet {candidates[0]!r}" if header_row and candidates else "any sheet"
        raise _no_header(grid, where)
    return Located(sheets, sorted(skipped, key=lambda s: names.index(s[0])))


def _chosen(grid, names: list[str], wanted) -> list[str]:
    """The sheets a name or glob pattern of `wanted` names, in workbook order."""
    chosen = set()
    for want in wanted:
        if any(c in want for c in "*?["):
            match = [n for n in names if fnmatch.fnmatchcase(n.casefold(), want.casefold())]
            if not match:
                raise ConfigError(
                    f"the sheets pattern {want!r} matches no sheet of {grid.name}; its sheets "
                    f"are {', '.join(repr(n) for n in names)}; fix [source] sheets or --sheet")
        else:
            match = [n for n in names if n == want] or \
                [n for n in names if n.strip().lower() == want.strip().lower()]
            if not match:
                raise SourceError(f"{grid.name} has no sheet named {want!r}; its sheets are "
                                  f"{', '.join(repr(n) for n in names)}. Use --sheet with one "
                                  "of them")
        chosen.update(match)
    return [n for n in names if n in chosen]


def _locate(grid, title, lookup, header_row, config, products) -> SheetData | None:
    rows = grid.rows(title)
    head = _head(rows, header_row or 20)
    found = _header_in(head, lookup, header_row)
    if not found:
        return None
    index, columns = found
    row_number, header_cells = head[index]
    rest = head[index + 1:]
    headers = {i: str(v).strip() for i, v in enumerate(header_cells) if not is_blank(v)}
    entries, unknown = stage_entry_columns(headers, columns, config.stages)
    columns = {**columns, **entries}
    return SheetData(
        source=grid.name, title=title, header_row=row_number, columns=columns,
        headers=headers, rows=_chain(rest, rows), date1904=grid.date1904,
        products=products, serial_dates=grid.serial_dates,
        understanding=understand_header(grid.name, title, row_number, headers, columns,
                                        config, entries, unknown))


def _no_header(grid, where: str) -> SourceError:
    return SourceError(f"no header row found in {where} of {grid.name}: a header needs at least "
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
