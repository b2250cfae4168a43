"""CSV exports: reading (encoding and delimiter sniffing; preamble lines above the header are
left to header detection), and the CSV file as a cleanup target."""

import csv
import datetime as dt
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import SourceError, WriteConflict
from . import backups
from .atomic import atomic_file, file_stamp, refuse_if_open
from .base import Row

ENCODINGS = ("utf-8-sig", "cp1252")
MAX_BYTES = 64 * 1024**2  # a larger export is not a small pipeline; refuse, don't swap


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark shows as a NUL in every other byte."""
    if len(head) < 4 or b"\x00" not in head:
        return None
    for codec, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            return codec
    return None


def _header_delimiter(dialect, head: str):
    """The sniffer counts delimiters over every line, so tabs inside a few quoted cells can
    outvote the commas of the header; the first line that holds a candidate more than once
    (the header, or a preamble above it) settles it."""
    for line in head.splitlines()[:20]:
        counts = {d: line.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        if counts[best] >= 2:
            if counts.get(dialect.delimiter, 0) < counts[best]:
                chosen = type("Chosen", (csv.excel,), {"delimiter": best})
                chosen.quotechar = getattr(dialect, "quotechar", '"') or '"'
                return chosen
            return dialect
    return dialect


def decode(data: bytes, path: Path) -> str:
    return decoding(data, path)[0]


def decoding(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a CSV file and the encoding to write it back in."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        candidates = ("utf-32",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = tuple(filter(None, (_utf16_without_bom(data[:4096]),))) + ENCODINGS
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    raise SourceError(f"{path} is not readable text in UTF-8, UTF-16, UTF-32 or "
                      "Windows-1252; save it again as 'CSV UTF-8'")


class CsvGrid:
    """A CSV file as a single-sheet grid named after the file. The decoded text is kept and
    parsed again on each pass, so rows are never all in memory at once."""

    date1904 = False
    serial_dates = False  # a bare number in a CSV date column is not an Excel date

    def __init__(self, path: Path):
        self.name = str(path)
        self._title = path.stem
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(f"{path} is {size:,} bytes, more than the {MAX_BYTES:,} sheetsales "
                              "reads from a CSV file; save it as .xlsx and check that")
        self._text = decode(path.read_bytes(), path)
        if "\x00" in self._text:
            raise SourceError(f"{path} holds binary data, not CSV text; export the sheet "
                              "again as CSV")
        try:
            self._dialect = csv.Sniffer().sniff(self._text[:8192], delimiters=",;\t|")
        except csv.Error:
            self._dialect = csv.excel
        self._dialect = _header_delimiter(self._dialect, self._text[:8192])
        self._width = None
        self.damaged: list[tuple[int, int, str]] = []  # what the last damage() found

    def damage(self, header_row: int, width: int) -> list[tuple[int, int, str]]:
        """Where the file is damaged below its header (row `header_row`, `width` columns):
        (sheet row, file line, one sentence with the fix) for each record that swallowed
        lines which look like rows of their own (an unbalanced quote), holds values past
        the header's last column, or is split by another delimiter. Remembered in
        `damaged`, so a write can refuse what a damaged read planned."""
        found, record = [], []

        def lines():
            for line in io.StringIO(self._text, newline=""):
                record.append(line)
                yield line
        reader = csv.reader(lines(), self._dialect)
        start = 1
        for row, cells in enumerate(reader, 1):
            span = list(record)
            record.clear()
            if row > header_row:
                problem = self._damage_in(cells, span, width, start)
                if problem:
                    found.append((row, start, problem))
            start = reader.line_num + 1
        self.damaged = found
        return found

    def _damage_in(self, cells: list[str], span: list[str], width: int, start: int) -> str:
        quote = self._dialect.quotechar or '"'
        # a swallowed row is a whole line inside the open quote: a line within the record
        # holding no quote, or a last line that does not close the quote itself (an even
        # count; a quoted cell's own last line closes it, an odd count)
        rows_inside = [i for i, line in enumerate(span[1:], 1) if width > 1 and
                       line.count(quote) % 2 == 0 and (i == len(span) - 1 or quote not in line)
                       and len(next(csv.reader([line], self._dialect), [])) >= width]
        if rows_inside:
            return (f"line {start}: a quote opened here is not closed before line "
                    f"{start + len(span) - 1}, so {len(rows_inside)} line(s) that look like "
                    "rows of their own were read as one cell; balance the quote and export "
                    "again")
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            return (f"line {start}: {len(cells)} fields where the header has {width}, so its "
                    f"values sit under the wrong columns; quote the value holding "
                    f"{self._dialect.delimiter!r} and export again")
        if width > 1 and len(cells) == 1:
            for other in ",;\t|":
                if other != self._dialect.delimiter and len(cells[0].split(other)) >= 2:
                    return (f"line {start} is separated by {other!r} where the file uses "
                            f"{self._dialect.delimiter!r}; export it again with one delimiter")
        return ""

    @property
    def dialect(self):
        return self._dialect

    def _parsed(self) -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(self._text, newline=""), self._dialect)
        except csv.Error as exc:
            raise SourceError(f"{self.name} is not valid CSV ({exc}); export it again") from None

    def sheet_names(self) -> list[str]:
        return [self._title]

    def row_count(self, title: str) -> int | None:
        return None  # known only after a full pass; progress shows rows read so far

    def used_width(self, title: str) -> int:
        if self._width is None:
            self._width = max((len(r) for r in self._parsed()), default=0)
        return self._width

    def release(self, title: str) -> None:
        """Nothing to let go of: rows are parsed again on each pass."""

    def rows(self, title: str) -> Iterator[Row]:
        return ((i + 1, [c if c != "" else None for c in cells])
                for i, cells in enumerate(self._parsed()))

# ---- writing: `clean --apply` rewrites only the lines of the rows it changes (other lines keep
# their bytes, quoting and line endings), in the file's encoding, atomically, with a backup for
# `undo`. `run` does not write CSV: it has no room for status columns and a Reminders sheet.

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
        """Write the planned cell changes; refused if the file changed since it was read or
        is open in Excel or LibreOffice."""
        if self.grid.damaged:  # never write from a damaged read (SPEC §10)
            more = len(self.grid.damaged) - 1
            raise WriteConflict(
                f"{self.path.name} is damaged, so nothing was written: "
                f"{self.grid.damaged[0][2]}" + (f" ({more} more damaged record(s): "
                                                 f"sheetsales check lists them)" if more else ""))
        refuse_if_open(self.path)
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
