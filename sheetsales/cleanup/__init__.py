"""Cleaners that propose fixes for the messes people make in deal sheets, as planned cell
changes. Pure: they read a `Table` (the deals sheet as read, spaces and all) and return a
`CleanResult`; a dry run renders it and `--apply` writes exactly its `changes`.

    table = read_table(open_grid("deals.xlsx"), config)
    result = clean(["all"], table, config, CleanOptions(mappings={"Pitching": "Proposal"}))
    print(render_diff(result))
"""

import importlib

# The order they run in: each sees the cells as the ones before it left them, so stages
# match trimmed text and dupes compare cleaned rows and know the IDs just filled.
KINDS = ("whitespace", "stages", "dates", "amounts", "ids", "dupes")
ALL = "all"

# Imported on first use, so the command line can offer KINDS without loading the cleaners.
_LAZY = {"CLEANERS": "runner", "clean": "runner", "owned_columns": "runner", "select": "runner",
         "CleanOptions": "base", "DuplicateGroup": "base", "Skipped": "base", "Table": "base",
         "read_table": "base", "read_tables": "base", "clean_tables": "runner", "IdAllocator": "deal_ids", "IdPattern": "deal_ids",
         "detect_pattern": "deal_ids", "CleanResult": "result", "Fix": "result",
         "render_diff": "result", "show": "result", "tidy": "spacing"}

__all__ = ["ALL", "KINDS", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
