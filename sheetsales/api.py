"""The operations behind the commands, callable from Python."""

import datetime as dt
from pathlib import Path

from .check import Progress, Report, check
from .config import load_config


def check_source(source: str | Path, config_path: str | Path | None = None,
                 overrides: dict | None = None, today: dt.date | None = None,
                 progress: Progress | None = None) -> Report:
    """Load the configuration (file, environment, `overrides`) and check `source`, or the
    configured [source] path when `source` is None."""
    config = load_config(config_path, overrides=overrides)
    source = source or config.source.get("path")
    return check(source, config, today, progress=progress)
