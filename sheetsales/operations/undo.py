"""`undo`: put a source back as it was before sheetsales' last write."""

from pathlib import Path

from ..core.config import Config
from ..core.errors import SheetsalesError
from ..core.model import CellChange
from ..core.owned import REMINDERS_SHEET
from ..nightly.history import History, history_path
from ..sources import backups, is_google_source
from .check import check
from .guard import write_guard


def undo(source: str | Path, config: Config | None = None, force: bool = False, *,
         credentials=None) -> str:
    """Restore SOURCE as it was before sheetsales' last write; says what was restored. A
    workbook or CSV file comes back from its backup, byte for byte; a Google Sheet from the
    journal of cells written (each must still hold what sheetsales wrote). Refused while the
    file is open in Excel or LibreOffice or changed since that write, unless `force`."""
    config = config or Config()
    source = str(source)
    path = history_path(config, source)
    if is_google_source(source):
        return _undo_google(source, config, path, credentials)
    with write_guard(source, config, refuse_open=not force) as warnings:
        backup = backups.undo(Path(source), force=force)
    if path.exists():
        with History.open(path) as history:
            last = history.last_write(source)
            if last:
                history.mark_undone(last.id)
    risk = "".join(f"; {w}: save nothing there, close it without saving and open it again, "
                   "or it will write the undone version back" for w in warnings)
    return f"restored {source} from {backup}{risk}"


def _undo_google(source: str, config: Config, path: Path, credentials) -> str:
    last = None
    if path.exists():
        with History.open(path) as history:
            last = history.last_write(source)
    if last is None:
        raise SheetsalesError(f"there is no sheetsales write of {source} to undo")
    # gspread only when it is needed
    from ..sources.gsheets.restore import created, removable
    from ..sources.gsheets.undoing import Undoing, undo_rest
    from ..sources.gsheets.tabs import apply_tabs
    from ..sources.gsheets.write import GSheetTarget
    remove = [t for t in (REMINDERS_SHEET, config.summary.sheet_name)  # that write made them
              if created(last.changes, t)]
    with write_guard(source, config), \
            GSheetTarget.open(source, credentials, sheet=config.source.sheet) as target:
        for title in remove:
            removable(target, last.changes, title)  # refused before anything is written
        report = check(target.grid, config)
        undoing = Undoing(target, last.changes, report.parts(), remove)
        reverse = [CellChange(c.sheet, c.row, c.col, c.new, c.old) for c in undoing.cells()]
        if not reverse:
            summary = ""
        elif len(report.parts()) > 1:  # each tab's cells found again by Deal ID on that tab
            summary = apply_tabs(target, reverse, report.parts())
        else:
            summary = target.apply_cells(reverse, deals=report.sheet)
        rest = undo_rest(target, undoing)
        summary = "; ".join(s for s in (summary, rest) if s) or \
            f"nothing of {target.name} needed undoing"
    with History.open(path) as history:
        history.mark_undone(last.id, reverse)
    return summary
