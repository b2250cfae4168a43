"""Sources of deal rows: one adapter per kind of spreadsheet, all read through `open_grid`."""

from pathlib import Path

from ..core.errors import SourceError
from ..core.sheet_id import is_google_source
from .base import Grid, Target
from .memory import MemoryGrid

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

__all__ = ["Grid", "MemoryGrid", "Target", "is_google_source", "open_grid"]


def open_grid(source: str | Path, credentials: str | Path | None = None,
              sheet: str | None = None) -> Grid:
    """The readable grid behind a SOURCE argument: a path to .xlsx, .xlsm or .csv, or a
    Google Sheet (`credentials`: the service-account key file; `sheet`: its deals tab)."""
    if is_google_source(source):
        from .gsheets.source import open_gsheet
        return open_gsheet(source, credentials, sheet=sheet)
    path = Path(source)
    try:
        return _open_file(path)
    except PermissionError:
        raise SourceError(f"{path} cannot be read: permission denied; check the permissions "
                          "of the file and its folder") from None


def _open_file(path: Path) -> Grid:
    if not path.exists():
        raise SourceError(f"{path} not found; check the path (a .xlsx, .xlsm or .csv file)")
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a spreadsheet; give the path of a .xlsx, "
                          ".xlsm or .csv file")
    if not path.is_file():  # a pipe or a device would block or never end
        raise SourceError(f"{path} is not a regular file (a pipe, socket or device); give the "
                          "path of a saved .xlsx, .xlsm or .csv file")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        from .xlsx.reader import XlsxGrid
        return XlsxGrid(path)
    if suffix == ".csv":
        from .csv import CsvGrid
        return CsvGrid(path)
    if suffix == ".xls":
        from .xlsx.reader import check_workbook_file
        check_workbook_file(path)
    raise SourceError(f"{path}: unsupported file type {suffix or '(none)'!r}; sheetsales reads "
                      ".xlsx, .xlsm and .csv (save other formats as .xlsx)")
