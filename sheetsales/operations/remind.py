"""`remind`: deliver each owner's digest of what is due; and the run history of a source."""

import datetime as dt
from pathlib import Path

from ..core.config import Config
from ..core.dates import today_in
from ..nightly.delivery import Delivery, send_reminders
from ..nightly.history import History, history_path
from ..plan.reminders import done_on_sheet
from ..sources import open_grid
from .check import check
from .targets import resolve_source


def remind(source: str | Path | None = None, config: Config | None = None,
           today: dt.date | None = None, *, channel: str | None = None, environ=None,
           stdout=None, credentials=None) -> Delivery:
    """Check SOURCE and deliver each owner's digest: printed to `stdout` unless an outbox or
    SMTP is configured (`channel="print"` forces printing). Writes nothing into the sheet."""
    config = config or Config()
    source = str(resolve_source(source, config))
    grid = open_grid(source, credentials, config.source.sheet)
    try:
        report = check(grid, config, today or today_in(config.rules.time_zone))
        done = done_on_sheet(report, grid)  # items ticked Done on the Reminders sheet
    finally:
        getattr(grid, "close", lambda: None)()
    with History.open(history_path(config, source)) as history:
        return send_reminders(report, config, history, report.today, environ, channel, stdout,
                              source=source, done=done)


def recent_runs(source: str | Path | None = None, config: Config | None = None,
                limit: int = 20) -> list:
    """The last runs recorded for SOURCE, newest first."""
    config = config or Config()
    source = str(resolve_source(source, config))
    path = history_path(config, source)
    if not path.exists():
        return []
    with History.open(path) as history:
        return history.recent_runs(source, limit)
