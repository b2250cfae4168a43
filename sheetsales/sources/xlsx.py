"""Reading .xlsx/.xlsm workbooks fast with python-calamine (cached formula values, dates,
the 1904 system), and telling apart the files that only look like workbooks."""

import zipfile
from collections.abc import Iterator
from pathlib import Path

import python_calamine as calamine

from ..errors import SourceError
from .base import Row

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def check_workbook_file(path: Path) -> None:
    """Refuse, with one sentence, what is not a readable .xlsx/.xlsm package."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            body = head + handle.read(1 << 20)
            if ENCRYPTED_STREAM in body:
                raise SourceError(f"{path} is password-protected (an encrypted OLE container); "
                                  "open it in Excel, remove the password under File > Info > "
                                  "Protect Workbook, save, and try again")
            raise SourceError(f"{path} is a legacy Excel 97-2003 .xls workbook (an OLE container), "
                              "not .xlsx; open it in Excel or LibreOffice and save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise SourceError(f"{path} is not an Excel workbook (it is not a zip package); "
                          "save it from Excel as .xlsx, or export it as .csv")


class XlsxGrid:
    """A workbook read through python-calamine; rows come with their sheet row numbers."""

    serial_dates = True

    def __init__(self, path: Path):
        check_workbook_file(path)
        self.name = str(path)
        try:
            self._book = calamine.CalamineWorkbook.from_path(str(path))
        except (calamine.CalamineError, OSError, ValueError) as exc:
            raise SourceError(f"{path} could not be read as a workbook ({exc}); open and save "
                              "it in Excel to repair it") from None
        self.date1904 = _is_1904(path)
        self._sheets: dict = {}

    def sheet_names(self) -> list[str]:
        return [m.name for m in self._book.sheets_metadata
                if m.typ == calamine.SheetTypeEnum.WorkSheet]

    def _sheet(self, title: str):
        if title in self._sheets:
            return self._sheets[title]
        try:
            self._sheets[title] = self._book.get_sheet_by_name(title)
            return self._sheets[title]
        except (calamine.CalamineError, ValueError) as exc:
            raise SourceError(f"sheet {title!r} of {self.name} could not be read ({exc}); open "
                              "and save the workbook in Excel to repair it") from None

    def row_count(self, title: str) -> int | None:
        return self._sheet(title).total_height

    def used_width(self, title: str) -> int:
        """Columns up to the right edge of the sheet's used range."""
        sheet = self._sheet(title)
        return sheet.end[1] + 1 if sheet.end else 0

    def rows(self, title: str) -> Iterator[Row]:
        sheet = self._sheet(title)
        # calamine yields every row from row 1, but only the columns of the used range
        pad = [None] * (sheet.start[1] if sheet.start else 0)
        for index, cells in enumerate(sheet.iter_rows()):
            yield index + 1, pad + cells if pad else cells


def _is_1904(path: Path) -> bool:
    with zipfile.ZipFile(path) as package:
        try:
            info = package.getinfo("xl/workbook.xml")
        except KeyError:
            return False
        with package.open(info) as part:
            head = part.read(4096)
    return b'date1904="1"' in head or b'date1904="true"' in head
