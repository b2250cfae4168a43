"""`clean`: plan the chosen cleanups of a source as a cell-level diff; with `apply`, write
exactly that plan under the source's guard, with a backup and a journal entry for `undo`."""

from contextlib import closing
from pathlib import Path

from ..cleanup import CleanOptions, CleanResult, clean_tables, read_tables
from ..core.config import Config
from ..nightly.history import History, history_path
from ..sources import open_grid
from .guard import write_guard
from .targets import cleanup_target, resolve_source


def clean(source: str | Path | None, kinds: list[str], config: Config | None = None,
          apply: bool = False, *, mappings: dict[str, str] | None = None,
          credentials=None) -> CleanResult:
    """Plan the `kinds` of cleanup (stages, dates, ids, dupes, whitespace or all) on SOURCE,
    every deals tab of it as one plan (cleanup.clean_tables);
    `mappings` decides stage texts ({"Pitching": "Proposal"}). With `apply`, write the plan:
    refused while the file is open in Excel or LibreOffice; `result.written` says what was
    written."""
    config = config or Config()
    source = resolve_source(source, config)
    options = CleanOptions(mappings=mappings or {}, reserved_ids=_ids_used_before(source, config))
    if not apply:
        grid = open_grid(source, credentials, config.source.sheet)
        return clean_tables(kinds, read_tables(grid, config), config, options)
    with write_guard(source, config), \
            closing(cleanup_target(source, config, credentials)) as target:
        result = clean_tables(kinds, read_tables(target.grid, config), config, options)
        if not result.pending:
            return result
        result.written = target.apply_cells(result.changes)
        with History.open(history_path(config, source)) as history:
            history.journal_write(None, str(source), target.written)
    return result


def _ids_used_before(source, config: Config) -> frozenset[str]:
    """The Deal IDs earlier runs saw, so `clean ids` never reuses one of a deleted deal."""
    path = history_path(config, source)
    if not path.exists():
        return frozenset()
    with History.open(path) as history:
        return history.known_deal_ids(str(source))
