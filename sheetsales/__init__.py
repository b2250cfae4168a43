"""sheetsales: keeps a sales pipeline spreadsheet honest.

The public API mirrors the command line: each function is what the command of the same name
does, taking a Config (or nothing, for the defaults) and returning data. See docs/api.md.

Names are imported on first use, so `import sheetsales` (and every command) pays only for
what it touches.
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "check": "operations.check", "run": "operations.run", "clean": "operations.clean",
    "remind": "operations.remind", "recent_runs": "operations.remind",
    "undo": "operations.undo", "init": "operations.setup", "demo": "operations.setup",
    "learn": "operations.setup", "Learned": "understand.learned",
    "report": "operations.report", "PipelineReport": "operations.report",
    "schedule": "operations.schedule", "write_xlsx": "sources.xlsx.writer",
    "load_config": "core.config", "Config": "core.config",
    "Report": "rules.check", "RunResult": "operations.run", "CleanResult": "cleanup.result",
    "Delivery": "nightly.delivery", "WriteResult": "sources.xlsx.writer",
    "DealStatus": "rules.status", "CellChange": "core.model", "Deal": "core.model",
    "Finding": "core.model",
    "SheetsalesError": "core.errors", "ConfigError": "core.errors",
    "SourceError": "core.errors", "WriteConflict": "core.errors",
    "FileOpenElsewhere": "core.errors", "SourceBusy": "core.errors",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sheetsales' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})
