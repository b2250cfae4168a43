"""The operations behind the commands, callable from Python."""

import datetime as dt
from contextlib import closing
from pathlib import Path

from ..sources import backups
from ..rules.check import Progress, Report, check
from ..cleanup import CleanOptions, CleanResult, clean, read_table
from ..core.config import Config, load_config
from ..core.dates import local_zone, today_in
from .demo import write_demo_workbook
from ..core.errors import SheetsalesError
from ..core.model import CellChange
from ..nightly.history import History, history_path
from ..nightly.job import NightlyResult, nightly_run
from ..nightly.delivery import Delivery, send_reminders
from .run import RunResult, run
from .guard import source_lock
from ..nightly.scheduler import Scheduler, setup_logging
from ..sources import WORKBOOK_SUFFIXES, is_google_source, open_grid
from ..sources.csv_target import CsvTarget
from ..sources.xlsx.target import XlsxTarget, remove_stale_temp_files
from .starter import CONFIG_TEMPLATE, write_starter_workbook


def check_source(source: str | Path, config_path: str | Path | None = None,
                 overrides: dict | None = None, today: dt.date | None = None,
                 progress: Progress | None = None, credentials=None) -> Report:
    """Load the configuration (file, environment, `overrides`) and check `source`, or the
    configured [source] path when `source` is None."""
    config = load_config(config_path, overrides=overrides)
    grid = open_grid(resolve_source(source, config), credentials, config.source.get("sheet"))
    return check(grid, config, today, progress=progress)


def resolve_source(source: str | Path | None, config) -> str | Path:
    """SOURCE as given, else the config's [source] path (relative to the config file)."""
    if source:
        return source
    configured = config.source.get("path")
    if not configured:
        raise SheetsalesError("no SOURCE given and no [source] path in the config; pass the "
                              "spreadsheet's path, e.g. sheetsales check deals.xlsx")
    if configured.startswith("gsheet:") or "://" in configured or not config.base_dir:
        return configured
    return config.base_dir / configured


DEMO_WORKBOOK = "demo-deals.xlsx"


def init(directory: Path) -> list[Path]:
    """Write a commented sheetsales.toml and a starter deals.xlsx into `directory`; refuses
    to overwrite either."""
    config, workbook = directory / "sheetsales.toml", directory / "deals.xlsx"
    for path in (config, workbook):
        if path.exists():
            raise SheetsalesError(f"{path} already exists; sheetsales init only creates new "
                                  "files, so move it away or choose another folder")
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG_TEMPLATE.read_text(encoding="utf-8").replace(
        '# time_zone = "Europe/Paris"', f'time_zone = "{local_zone()}"'), encoding="utf-8")
    write_starter_workbook(workbook)
    return [config, workbook]


def demo(directory: Path, today: dt.date | None = None) -> tuple[Path, RunResult]:
    """Create (or re-create) the demo workbook in `directory` and run the nightly job on it."""
    today = today or today_in("UTC")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_WORKBOOK
    path.unlink(missing_ok=True)  # the demo folder's own file, re-made on every demo
    write_demo_workbook(path, today)
    config = load_config(None, environ={}, cwd=directory)
    return path, run(XlsxTarget(path), config, today)


def open_target(source: str | Path, config: Config, credentials=None):
    """The writable target behind SOURCE."""
    if is_google_source(source):
        from ..sources.gsheets.write import GSheetTarget  # gspread only when it is needed
        return GSheetTarget.open(source, credentials, sheet=config.source.get("sheet"))
    path = Path(source)
    open_grid(path)  # the same clear refusals as check for missing, folders, non-workbooks
    if path.suffix.lower() == ".csv":
        raise SheetsalesError(f"{path} is a CSV file, which cannot hold status columns and a "
                              "Reminders sheet safely; open it in Excel, save it as .xlsx, "
                              "and run on that")
    return XlsxTarget(path, config.history.get("backups", backups.DEFAULT_KEEP))


def run_source(source: str | Path | None, config_path=None, overrides: dict | None = None,
               today: dt.date | None = None, dry_run: bool = False,
               environ=None, credentials=None) -> NightlyResult:
    """Check SOURCE, write its status columns and Reminders sheet (unless `dry_run`), deliver
    the digests and record the run in the history."""
    config = load_config(config_path, overrides=overrides)
    source = str(resolve_source(source, config))

    def target_for(source):
        if not dry_run:  # nightly_run calls this inside the source's lock
            _remove_stale_temp_files(source)
        return open_target(source, config, credentials)
    return nightly_run(target_for, source, config, today or today_in(config.rules.time_zone),
                       dry_run, environ)


def _remove_stale_temp_files(source: str) -> None:
    """Temporary files of a killed write of a workbook; only while holding its lock, so a
    live writer's file is never taken."""
    path = Path(source)
    if not is_google_source(source) and path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".csv"):
        remove_stale_temp_files(path)


def remind_source(source: str | Path | None, config_path=None, overrides: dict | None = None,
                  today: dt.date | None = None, channel: str | None = None, environ=None,
                  stdout=None, credentials=None) -> Delivery:
    """Check SOURCE and deliver each owner's digest (printed unless an outbox or SMTP is
    configured); writes nothing into the sheet."""
    config = load_config(config_path, overrides=overrides)
    source = str(resolve_source(source, config))
    grid = open_grid(source, credentials, config.source.get("sheet"))
    report = check(grid, config, today or today_in(config.rules.time_zone))
    with History.open(history_path(config, source)) as history:
        return send_reminders(report, config, history, report.today, environ, channel, stdout,
                              source=source)


def recent_runs(source: str | Path | None, config_path=None, limit: int = 20) -> list:
    """The last runs recorded for SOURCE, newest first."""
    config = load_config(config_path)
    source = str(resolve_source(source, config))
    path = history_path(config, source)
    if not path.exists():
        return []
    with History.open(path) as history:
        return history.recent_runs(source, limit)


def undo_source(source: str | Path, config_path=None, force: bool = False,
                credentials=None) -> str:
    """Put SOURCE back as it was before sheetsales' last write; says what was restored. A
    workbook comes back from its backup, byte for byte; a Google Sheet from the journal of
    cells written (each must still hold what sheetsales wrote)."""
    config = load_config(config_path)
    source = str(source)
    path = history_path(config, source)
    if is_google_source(source):
        return _undo_google(source, config, path, credentials)
    with source_lock(source, config.base_dir):  # never beside a run writing the same file
        _remove_stale_temp_files(source)
        backup = backups.undo(Path(source), force=force)
    if path.exists():
        with History.open(path) as history:
            last = history.last_write(source)
            if last:
                history.mark_undone(last.id)
    return f"restored {source} from {backup}"


def _undo_google(source: str, config: Config, path: Path, credentials) -> str:
    last = None
    if path.exists():
        with History.open(path) as history:
            last = history.last_write(source)
    if last is None:
        raise SheetsalesError(f"there is no sheetsales write of {source} to undo")
    reverse = [CellChange(c.sheet, c.row, c.col, c.new, c.old) for c in last.changes]
    from ..sources.gsheets.write import GSheetTarget  # gspread only when it is needed
    with GSheetTarget.open(source, credentials, sheet=config.source.get("sheet")) as target:
        report = check(target.grid, config)
        summary = target.apply_cells(reverse, deals=report.sheet)
    with History.open(path) as history:
        history.mark_undone(last.id, reverse)
    return summary


def schedule_sources(config_path=None, once: bool = False, today: dt.date | None = None,
                     environ=None) -> list:
    """Run every configured source daily at [schedule] at (or once, with `once`); returns
    the outcome of each job run."""
    config = load_config(config_path)
    remove = setup_logging(config.schedule.get("log_file"), config.base_dir)
    try:
        scheduler = Scheduler(config, job=lambda source: run_source(
            source, config_path, today=today, environ=environ))
        if once:
            scheduler.run_once()
        else:
            scheduler.run_forever()
        return scheduler.outcomes
    finally:
        remove()


def cleanup_target(source: str | Path, config: Config, credentials=None):
    """Where `clean --apply` writes: a CSV file in place, else the same target as `run`."""
    if not is_google_source(source) and Path(source).suffix.lower() == ".csv":
        open_grid(source)  # the same clear refusals as check
        return CsvTarget(Path(source), config.history.get("backups", backups.DEFAULT_KEEP))
    return open_target(source, config, credentials)


def clean_source(kinds: list[str], source: str | Path | None, config_path=None,
                 overrides: dict | None = None, mappings: dict[str, str] | None = None,
                 apply: bool = False, credentials=None) -> tuple[CleanResult, str | None]:
    """Plan the chosen cleanups of SOURCE; with `apply`, write exactly that plan."""
    config = load_config(config_path, overrides=overrides)
    source = resolve_source(source, config)
    if not apply:
        grid = open_grid(source, credentials, config.source.get("sheet"))
        return clean(kinds, read_table(grid, config), config,
                     CleanOptions(mappings=mappings or {})), None
    with source_lock(source, config.base_dir), \
            closing(cleanup_target(source, config, credentials)) as target:
        _remove_stale_temp_files(str(source))  # a killed write's, never a live one's
        result = clean(kinds, read_table(target.grid, config), config,
                       CleanOptions(mappings=mappings or {}))
        if not result.pending:
            return result, None
        written = target.apply_cells(result.changes)
        with History.open(history_path(config, source)) as history:
            history.journal_write(None, str(source), target.written)
    return result, written
