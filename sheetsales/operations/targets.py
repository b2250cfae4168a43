"""Which source a command means, and the writable target behind it."""

from pathlib import Path

from ..core.config import Config
from ..core.errors import SheetsalesError
from ..sources import is_google_source, open_grid

# The writers (sources.xlsx.target, sources.csv and what they import) are imported where a
# target is opened: `check` resolves its source here and writes nothing (issue 18).


def resolve_source(source: str | Path | None, config: Config) -> str | Path:
    """SOURCE as given, else the config's [source] path (relative to the config file)."""
    if source:
        return source
    configured = config.source.path
    if not configured:
        raise SheetsalesError("no SOURCE given and no [source] path in the config; pass the "
                              "spreadsheet's path, e.g. sheetsales check deals.xlsx")
    if configured.startswith("gsheet:") or "://" in configured or not config.base_dir:
        return configured
    return config.base_dir / configured


def keep_backups(config: Config) -> int:
    return config.history.backups


def open_target(source: str | Path, config: Config, credentials=None, deadline=None):
    """The target `run` writes: a workbook or a Google Sheet (CSV is refused: it has no room
    for status columns and a Reminders sheet). A run's `deadline` (nightly.deadline) also
    bounds what Google may make it wait."""
    if is_google_source(source):
        from ..sources.gsheets.api import RetryPolicy
        from ..sources.gsheets.write import GSheetTarget  # gspread only when it is needed
        policy = RetryPolicy()
        if deadline is not None:
            policy = RetryPolicy(run_deadline=deadline.bound(policy.run_deadline))
        return GSheetTarget.open(source, credentials, sheet=config.source.sheet, policy=policy)
    from ..sources.xlsx.target import XlsxTarget
    path = Path(source)
    open_grid(path)  # the same clear refusals as check for missing, folders, non-workbooks
    if path.suffix.lower() == ".csv":
        raise SheetsalesError(f"{path} is a CSV file, which cannot hold status columns and a "
                              "Reminders sheet safely; open it in Excel, save it as .xlsx, "
                              "and run on that")
    return XlsxTarget(path, keep_backups(config))


def cleanup_target(source: str | Path, config: Config, credentials=None):
    """Where `clean --apply` writes: a CSV file in place, else the same target as `run`."""
    if not is_google_source(source) and Path(source).suffix.lower() == ".csv":
        from ..sources.csv import CsvTarget
        open_grid(source)  # the same clear refusals as check
        return CsvTarget(Path(source), keep_backups(config))
    return open_target(source, config, credentials)
