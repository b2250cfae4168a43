"""An .xlsx/.xlsm workbook as a `run` target: which columns sheetsales owns, whether the
Reminders sheet is its own, and the one surgical write with its safety net (changed-since-read
refusal, a backup, the backup log for undo).

Column ownership is a hidden, sheet-scoped defined name per status column,
`_sheetsales_status` = `'Deals'!$Q:$Q`: Excel rewrites the reference when a person inserts,
deletes or moves columns, so the record follows the column; a deleted column becomes #REF!
and is simply no longer owned."""

import datetime as dt
import re
from pathlib import Path

from .. import backups
from ..atomic import file_stamp, refuse_if_open
from ...core import collector
from ...core.cells import column_letter, column_number
from ...core.errors import WriteConflict
from ...core.owned import REMINDERS_SHEET, STATUS_KEYS
from .ooxml import SourcePackage
from .reader import XlsxGrid
from .book import Book
from .writer import write_xlsx

NAME_PREFIX = "_sheetsales_"
_COLUMN_REF = re.compile(r"^(?:'(?:[^']|'')+'|[^!]+)!\$?([A-Z]{1,3})(?::\$?([A-Z]{1,3}))?$")


class XlsxTarget:
    """A workbook on disk that `run` reads once and writes at most once."""

    def __init__(self, path: Path, keep_backups: int = backups.DEFAULT_KEEP,
                 clock=dt.datetime.now):
        self.path = Path(path)
        self.name = str(path)
        self.read_stamp = file_stamp(self.path)  # before reading: a later change is refused
        self.grid = XlsxGrid(self.path)
        self.keep_backups, self.clock = keep_backups, clock
        self.written: list = []
        with SourcePackage(self.path) as pkg:
            book = Book(pkg)
            self._sheets = {s.title: s for s in book.sheets}
            self._names = book.names
            self._reminders = book.sheet(REMINDERS_SHEET)
            self._reminders_ours = self._reminders is not None and book.owned(self._reminders)
            self._owned = {s.title.lower() for s in book.sheets if book.owned(s)}
            self._protected = book.structure_locked

    def owned_columns(self, title: str) -> dict[str, int]:
        sheet = self._sheets.get(title)
        owned = {}
        for key in STATUS_KEYS:
            ref = self._names.get((NAME_PREFIX + key).lower(), {}).get(sheet.index if sheet else -1)
            match = _COLUMN_REF.match(ref or "")
            if match and (match[2] is None or match[2] == match[1]):
                owned[key] = column_number(match[1]) - 1
        return owned

    def used_width(self, title: str) -> int:
        return self.grid.used_width(title)

    def reminders_state(self) -> str:
        if self._reminders is None:
            return "absent"
        return "ours" if self._reminders_ours else "theirs"

    def sheet_state(self, title: str) -> str:
        """"absent", "ours" or "theirs" for a sheet sheetsales may own (titles ignore case),
        or "locked" when it is absent and the workbook's structure is protected."""
        found = next((t for t in self._sheets if t.lower() == title.lower()), None)
        if found is None:
            return "locked" if self._protected else "absent"
        return "ours" if found.lower() in self._owned else "theirs"

    def write(self, plan) -> str:
        names = {(title, NAME_PREFIX + key): f"${column_letter(i)}:${column_letter(i)}"
                 for title, layout in plan.layouts.items() for key, i in layout.columns.items()}
        sheets, looks = {}, {}
        if plan.reminders is not None:
            sheets[REMINDERS_SHEET], looks[REMINDERS_SHEET] = plan.reminders, plan.reminders_look
        if plan.summary is not None:
            sheets[plan.summary_title], looks[plan.summary_title] = plan.summary, plan.summary_look
        backup = self._write(plan.changes, sheets or None, names, looks or None,
                             plan.looks or None)
        rows = "" if plan.reminders is None else f" and {len(plan.reminders) - 1} reminders"
        if plan.summary is not None:
            rows += f" and the {plan.summary_title} sheet"
        return f"wrote {len(plan.changes)} cells{rows} to {self.path.name}; backup {backup}"

    def apply_cells(self, changes) -> str:
        """Write arbitrary planned cell changes (cleanups) with the same safety net."""
        backup = self._write(changes)
        return f"wrote {len(changes)} cells to {self.path.name}; backup {backup}"

    def _write(self, changes, sheets=None, names=None, looks=None, columns=None) -> Path:
        refuse_if_open(self.path)
        if file_stamp(self.path) != self.read_stamp:
            raise WriteConflict(f"{self.path.name} changed since sheetsales read it (someone "
                                "saved it meanwhile); nothing was written, run again")
        cells = (((c.sheet, (c.row, c.col)), c.new) for c in changes)
        self.grid.close()  # everything needed is in the plan; free the sheets before writing
        with backups.guarded_write(self.path, self.clock(), self.keep_backups) as backup:
            # the read stamp again: a save during the backup copy must not slip through
            with collector.paused():
                write_xlsx(self.path, cells, sheets, names=names, expect=self.read_stamp,
                           looks=looks, columns=columns)
        self.written = list(changes)
        return backup

    def close(self) -> None:
        """Let go of the workbook file, also after a refused write: on Windows a handle left
        open would make the next write in this process (the nightly retry) fail."""
        self.grid.close()
