"""Finding the deals sheets (every tab of a pipeline), their header rows and the Products
sheet in a grid of cell values, whatever the grid came from; the matching of one header row
is columns.py, what was understood of it understanding.py."""

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..core.cells import column_letter
from ..core.errors import ConfigError, SourceError
from ..core.fields import DEALS_SHEET_NAMES, HEADER_SCAN_ROWS, MIN_HEADER_MATCHES, PRODUCTS_SHEET
from ..core.model import Row, SheetData, is_blank, parse_number
from ..core.owned import REMINDERS_SHEET, owned_headers
from ..core.stages import normalize
from .columns import HeaderMatch, match_header
from .infer import with_vocabulary
from .twins import SAMPLE_ROWS, configured_keys, stage_twins, twin_refusal
from .understanding import entry_stage_name, stage_entry_columns, understand_header


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


def locate_sheets(grid, config, every: bool = True, choose_twins: bool = False) -> Located:
    """The deals tabs: the sheets named or matched by config (`[source] sheets`/`sheet`,
    `--sheet`), else every sheet whose header maps to the deals fields (sheetsales' own
    sheets and the Products sheet never count); each with its header row (configured or
    detected) and what was understood of its columns (`SheetData.understanding`). With
    `every` False only the first match counts, a sheet named Deals/Pipeline/Opportunities
    first (a source that writes one tab only: Google Sheets, for now). A sheet with two Stage
    columns and no [columns] stage is refused (twins.py), unless `choose_twins` (init --from,
    which asks which one): then the first is read and the others are in
    `evidence["stage_twins"]`."""
    names = grid.sheet_names()
    fields = tuple(config.fields)
    reserved = owned_headers(config.status_columns.values())
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
    seen: list[tuple[str, int, HeaderMatch]] = []  # every row looked at, for the refusal
    for title in candidates:
        sheet = _locate(grid, title, fields, reserved, header_row, config, products, seen,
                        choose_twins)
        if sheet and not every:
            return Located([sheet])
        if sheet:
            sheets.append(sheet)
        elif wanted:
            raise SourceError(no_header_message(f"sheet {title!r}", grid.name, seen,
                                                header_row))
        else:
            skipped.append((title, NO_HEADER))
            grid.release(title)
    if not sheets:
        where = f"sheet {candidates[0]!r}" if header_row and candidates else "any sheet"
        raise SourceError(no_header_message(where, grid.name, seen, header_row))
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


def _locate(grid, title, fields, reserved, header_row, config, products, seen,
            choose_twins=False) -> SheetData | None:
    rows = grid.rows(title)
    head = _head(rows, header_row or HEADER_SCAN_ROWS)
    found = _header_in(head, fields, header_row, title, seen, reserved)
    if found is None:
        return None
    index, match = found
    row_number, header_cells = head[index]
    rest = head[index + 1:]
    twins, configured, shadowed = [], configured_keys(config), list(match.shadowed)
    if any(m.field == "stage" for m in shadowed) and "stage" not in configured:
        rest += _head(rows, SAMPLE_ROWS)
        twins = stage_twins(match, rest, with_vocabulary(config.stages))
        if twins and not choose_twins:
            taken = next(m for m in match.matches if m.field == "stage")
            raise SourceError(twin_refusal(grid.name, title, taken, twins))
        shadowed = [m for m in shadowed if m.field != "stage" or m in twins]
    headers = {i: str(v).strip() for i, v in enumerate(header_cells) if not is_blank(v)}
    # a CRM's per-stage entry dates are step dates, whatever words they share
    plain = {k: i for k, i in match.columns.items() if not entry_stage_name(headers.get(i, ""))}
    entries, unknown = stage_entry_columns(headers, plain, config.stages)
    for m in match.shadowed:  # "Stage duration": its words name the Stage, its values do not
        if m.field == "stage" and m not in shadowed:
            unknown.setdefault(m.index, "its words name the Stage but its values are not stages")
    columns = {**plain, **entries}
    damage = getattr(grid, "damage", None)  # only a CSV can be damaged in its text
    width = max(i for i, v in enumerate(header_cells) if not is_blank(v)) + 1
    return SheetData(
        source=grid.name, title=title, header_row=row_number, columns=columns,
        headers=headers, rows=_chain(rest, rows), date1904=grid.date1904,
        products=products, serial_dates=grid.serial_dates,
        understanding=understand_header(grid.name, title, row_number, headers, columns,
                                        config, entries, unknown, shadowed, configured),
        damage=damage(row_number, width) if damage else [],
        evidence={"header": match, "stage_twins": twins})


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
