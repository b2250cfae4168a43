"""Running the chosen cleaners in order over one table and merging their edits into one
consistent plan (at most one change per cell); over every deals tab of a workbook, one plan
for them all (clean_tables)."""

import dataclasses
from collections.abc import Iterable

from ..core.config import Config
from ..core.errors import ConfigError
from ..core.model import CellChange, SheetData, text_id
from .base import CleanOptions, Skipped, Table
from .deal_ids import clean_ids, id_key
from .duplicates import clean_dupes
from .result import CleanResult, Fix, show
from .spacing import clean_whitespace, text_columns
from .stage_labels import clean_stages, stage_mappings
from .text_amounts import amount_columns, clean_amounts
from .text_dates import clean_dates, date_columns
from . import ALL, KINDS

# Text Excel and LibreOffice read as a formula when they open a CSV (a DDE payload starts so)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CLEANERS = {"whitespace": clean_whitespace, "stages": clean_stages, "dates": clean_dates,
            "amounts": clean_amounts, "ids": clean_ids, "dupes": clean_dupes}


def select(kinds: Iterable[str]) -> tuple[str, ...]:
    """The cleaners to run, in running order; "all" means every one."""
    wanted = set(kinds)
    for kind in wanted - {ALL, *KINDS}:
        raise ConfigError(f"unknown cleaner {kind!r}; choose from {', '.join(KINDS)} or all")
    return KINDS if ALL in wanted else tuple(k for k in KINDS if k in wanted)


def owned_columns(kind: str, table: Table, config: Config) -> set[int]:
    """The columns cleaner `kind` may change; it never touches any other."""
    if kind == "whitespace":
        return set(text_columns(table, config))
    if kind == "dates":
        return set(date_columns(table, config))
    if kind == "amounts":
        return set(amount_columns(table))
    key = "stage" if kind == "stages" else "deal_id"
    return {table.columns[key]} if key in table.columns else set()


def clean(kinds: Iterable[str], table: Table | SheetData, config: Config | None = None,
          options: CleanOptions | None = None) -> CleanResult:
    """Run the chosen cleaners over the deal rows of `table`, each on the cells as the
    previous ones left them, and return one consistent plan: at most one change per cell,
    whose `old` is the cell as read."""
    config = config or Config()
    options = options or CleanOptions()
    chosen = select(kinds)
    stage_mappings(options.mappings, config.stages)  # a bad --map fails whatever runs
    original = table if isinstance(table, Table) else Table.from_sheet(table)
    work = original.copy()
    result = CleanResult(original.title, chosen)
    touched: dict[tuple[int, int], list[str]] = {}
    flags: dict[int, list[str]] = {}
    for kind in chosen:
        step = CLEANERS[kind](work, config, options)
        for (row, col), new in step.edits.items():
            locked = options.locked.get(original.cell(row, col))
            if locked:
                result.skipped.append(Skipped(original.ref(row, col), work.get(row, col),
                                              f"{locked}; would be {show(new)}", kind))
                continue
            work.set(row, col, new)
            touched.setdefault((row, col), []).append(kind)
        result.skipped += step.skipped
        result.notes += step.notes
        result.duplicates += step.groups
        for row, texts in step.flags.items():
            flags.setdefault(row, []).extend(texts)
    for (row, col) in sorted(touched):
        old, new = original.get(row, col), work.get(row, col)
        if _same(old, new):
            continue
        change = CellChange(original.title, row, col + 1, old, new)
        result.fixes.append(Fix(change, row, original.header(col),
                                tuple(dict.fromkeys(touched[row, col])),
                                text_id(original.value(row, "deal_id"))
                                or text_id(work.value(row, "deal_id"))))
    guard = not original.serial_dates if options.formula_guard is None else \
        options.formula_guard
    if guard:
        _keep_formula_starts(result, original)
    result.flags = {row: "; ".join(texts) for row, texts in sorted(flags.items())}
    return result


def clean_tables(kinds: Iterable[str], tables: list[Table], config: Config | None = None,
                 options: CleanOptions | None = None) -> CleanResult:
    """`clean` over every deals tab of a pipeline, as one plan (one write, one undo). Each
    tab is cleaned on its own cells; a Deal ID handed out is free in every tab (each tab's
    IDs are reserved for the others), and `dupes` compares rows within a tab (a deal on two
    tabs is check's IDS002). Flags are keyed (tab, row), notes and groups name their tab."""
    kinds = list(kinds)
    options = options or CleanOptions()
    if len(tables) == 1:
        return clean(kinds, tables[0], config, options)
    reserved = set(options.reserved_ids)
    for table in tables:
        if "deal_id" in table.columns:
            col = table.columns["deal_id"]
            reserved.update(v for v in (table.get(r, col) for r in table.rows)
                            if id_key(v) is not None)
    merged = CleanResult(", ".join(t.title for t in tables), select(kinds))
    for table in tables:
        one = clean(kinds, table, config,
                    dataclasses.replace(options, reserved_ids=frozenset(reserved)))
        reserved.update(f.change.new for f in one.fixes if "ids" in f.kinds)
        merged.fixes += one.fixes
        merged.skipped += one.skipped
        merged.notes += [f"{table.title}: {note}" for note in one.notes]
        merged.duplicates += [dataclasses.replace(g, reason=f"{table.title}: {g.reason}")
                              for g in one.duplicates]
        merged.flags.update({(table.title, row): text for row, text in one.flags.items()})
    if "dupes" in merged.kinds:
        merged.notes.append("dupes: rows were compared within each tab; a Deal ID on two "
                            "tabs is reported by `sheetsales check` (IDS002)")
    return merged


def _keep_formula_starts(result: CleanResult, original: Table) -> None:
    """No cleaner creates a formula (SPEC §10): a cell whose cleaned text would start like
    one stays as it was, and is reported; no apostrophe is ever added to a user's value."""
    kept = []
    for fix in result.fixes:
        new = fix.change.new
        if isinstance(new, str) and new.startswith(FORMULA_STARTS):
            result.skipped.append(Skipped(
                fix.ref, fix.change.old, f"cleaned, it would read {show(new)}, which a "
                "spreadsheet opening the CSV runs as a formula; left as it is, edit it by "
                "hand", fix.kinds[-1]))
        else:
            kept.append(fix)
    result.fixes = kept


def _same(old, new) -> bool:
    """Whether writing `new` leaves the cell as it is (empty and "" alike, 7.0 and 7)."""
    if old in (None, "") or new in (None, ""):
        return old in (None, "") and new in (None, "")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
    return old == new and (numbers or type(old) is type(new))
