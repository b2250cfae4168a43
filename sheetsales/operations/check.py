"""`check`: read a source, find its deals, run every rule, and report; writes nothing."""

import datetime as dt
from pathlib import Path

from ..core.config import Config
from ..core.dates import today_in
from ..rules.check import Progress, Report, check_sheets
from ..sources import Grid, open_grid
from ..understand import locate_sheets
from .targets import resolve_source


def check(source: str | Path | Grid | list | None = None, config: Config | None = None,
          today: dt.date | None = None, *, progress: Progress | None = None,
          credentials: str | Path | None = None, previous_stages: dict | None = None,
          stage_since: dict | None = None, choose_twins: bool = False) -> Report:
    """Check a pipeline, every deals tab of it as one (see understand.locate_sheets):
    `source` is a path (.xlsx, .xlsm, .csv), a Google Sheet (`gsheet:KEY` or its URL;
    `credentials` is the service-account key file), an opened grid, a list of CSV paths (one
    pipeline, each file a tab), or None for the config's [source] path. `today` defaults to
    the date in the configured time zone; `previous_stages` and `stage_since` come from the
    run history. A sheet with two Stage columns is refused unless `choose_twins` (init
    --from reads the first and asks)."""
    config = config or Config()
    opened = not hasattr(source, "sheet_names")
    if isinstance(source, (list, tuple)) and len(source) > 1:
        from ..sources.several import SeveralCsv  # CSV tabs only: a workbook's check skips it
        grid = SeveralCsv([(p, open_grid(p)) for p in source])
    else:
        if isinstance(source, (list, tuple)):
            source = source[0] if source else None
        grid = open_grid(resolve_source(source, config), credentials,
                         config.source.sheet) if opened else source
    located = locate_sheets(grid, config, choose_twins=choose_twins)
    return check_sheets(located.sheets, config, today or today_in(config.rules.time_zone),
                        previous_stages, stage_since, progress,
                        [grid.row_count(s.title) for s in located.sheets],
                        release=grid.release if opened else None, skipped=located.skipped)
