"""`check`: read a source, find its deals, run every rule, and report; writes nothing."""

import datetime as dt
from pathlib import Path

from ..core.config import Config
from ..core.dates import today_in
from ..rules.check import Progress, Report, check_sheet
from ..sources import Grid, open_grid
from ..understand import locate_deals
from .targets import resolve_source


def check(source: str | Path | Grid | None = None, config: Config | None = None,
          today: dt.date | None = None, *, progress: Progress | None = None,
          credentials: str | Path | None = None, previous_stages: dict | None = None,
          stage_since: dict | None = None) -> Report:
    """Check a deals sheet: `source` is a path (.xlsx, .xlsm, .csv), a Google Sheet
    (`gsheet:KEY` or its URL; `credentials` is the service-account key file), an opened grid,
    or None for the config's [source] path. `today` defaults to the date in the configured
    time zone; `previous_stages` and `stage_since` come from the run history."""
    config = config or Config()
    opened = not hasattr(source, "sheet_names")
    grid = open_grid(resolve_source(source, config), credentials,
                     config.source.sheet) if opened else source
    sheet = locate_deals(grid, config)
    return check_sheet(sheet, config, today or today_in(config.rules.time_zone),
                       previous_stages, stage_since, progress, grid.row_count(sheet.title),
                       release=(lambda: grid.release(sheet.title)) if opened else None)
