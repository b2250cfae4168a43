"""A CSV file as a cleanup target: `clean --apply` rewrites only the lines of the rows it
changes (other lines keep their bytes, quoting and line endings), in the file's encoding,
atomically, with a backup for `undo`. `run` does not write CSV: it has no room for status
columns and a Reminders sheet."""

import csv
import datetime as dt
import io
import os
import stat
from pathlib import Path

from . import backups
from .atomic import atomic_file
from ..core.errors import WriteConflict
from .csv import CsvGrid, decoding
from .xlsx.target import file_stamp


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


class CsvTarget:
    def __init__(self, path: Path, keep_backups: int = backups.DEFAULT_KEEP,
                 clock=dt.datetime.now):
        self.path = Path(path)
        self.name = str(path)
        self.read_stamp = file_stamp(self.path)
        self.grid = CsvGrid(self.path)
        self.keep_backups, self.clock = keep_backups, clock
        self.written: list = []

    def apply_cells(self, changes) -> str:
        """Write the planned cell changes; refused if the file changed since it was read."""
        if file_stamp(self.path) != self.read_stamp:
            raise WriteConflict(f"{self.path.name} changed since sheetsales read it; nothing "
                                "was written, run again")
        text, encoding = decoding(self.path.read_bytes(), self.path)
        lines = io.StringIO(text, newline="").readlines()
        reader = csv.reader(iter(lines), self.grid.dialect)
        spans, rows, start = [], [], 0
        for row in reader:
            rows.append(row)
            spans.append((start, reader.line_num))
            start = reader.line_num
        edited: dict[int, list[str]] = {}
        for change in changes:
            row, column = change.row, change.col
            cells = edited.setdefault(row, list(rows[row - 1]))
            cells.extend([""] * (column - len(cells)))
            cells[column - 1] = _text(change.new)
        for row in sorted(edited, reverse=True):
            first, end = spans[row - 1]
            ending = lines[end - 1][len(lines[end - 1].rstrip("\r\n")):] or "\n"
            out = io.StringIO()
            csv.writer(out, self.grid.dialect, lineterminator=ending).writerow(edited[row])
            lines[first:end] = [out.getvalue()]
        with backups.guarded_write(self.path, self.clock(), self.keep_backups) as backup:
            self._replace("".join(lines).encode(encoding))
        self.written = list(changes)
        return f"wrote {len(changes)} cells to {self.path.name}; backup {backup}"

    def _replace(self, data: bytes) -> None:
        def unchanged():
            if file_stamp(self.path) != self.read_stamp:
                raise WriteConflict(f"{self.path.name} changed while sheetsales was writing "
                                    "it; nothing was written, run again")
        with atomic_file(self.path, stat.S_IMODE(os.stat(self.path).st_mode), unchanged) as out:
            out.write(data)

    def close(self) -> None:
        pass
