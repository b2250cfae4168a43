"""Streaming rewrite of one worksheet part in which only the written cells change.

Longer than 300 lines because the scan, the refusals and the fast path over untouched rows
share one pass over the bytes; splitting them would scan the sheet twice.

The sheet XML is scanned as bytes, never built into a tree, so memory stays flat however
many rows there are. Rows without a written cell are copied verbatim, rows with one are
handed to xlsx_row, new rows are inserted in row order, `<dimension ref>` grows to cover the
written cells, and everything outside `<sheetData>` is copied as is (`<cols>` included: it is
only read, for column styles). A new cell takes its row's style, else its column's; the
cell above is not consulted, so a header's bold never spreads down a status column.

Refused with WriteConflict, always before the output file is created: writing over a formula
(sheetsales never writes over one, so shared and array formula masters and xl/calcChain.xml
never change), into an array or data-table formula's range, into a merged range other than
its top-left cell, into an Excel table or pivot table, and rows or cells out of order.
"""

import bisect
import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from ...core.errors import SourceError, WriteConflict
from .ooxml import ATTR, NS_MAIN, NS_STRICT, attrs, set_attr, start_tag
from ...core.cells import cell_name, column_letters
from .cells import CellMaker, parse_range, range_name
from .look import dress_tail, with_widths
from .date_looks import date_styles_of
from .row import rewrite_row

_CHUNK = 1 << 20
# Bytes handed to the compressing thread at once. zlib lets go of the GIL once per output
# block it grows (32 KiB, 64 KiB, 256 KiB...), and takes it back only when this thread
# yields (every 5 ms), so pieces of 1 MiB left that thread waiting more than working.
_FLUSH = 1 << 21
_ROOT = re.compile(rb"<(?![?!])([^\s/>]+)")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']+)""")
_R_ROW = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_STRICT_HINT = ("is saved as Strict Open XML, which sheetsales does not write; save it in Excel "
                "as 'Excel Workbook (*.xlsx)' and run again")


@functools.lru_cache(maxsize=4096)
def column_bytes(col: int) -> bytes:
    return column_letters(col).encode()


def _filled(value) -> bool:
    return value is not None and not (value.__class__ is str and not value)


def _bounds(cells, owned: list[list] | None) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of the cells given a value, or None."""
    if owned is not None:
        bottom = right = 0
        for row, values in enumerate(owned, 1):
            last = next((c for c in range(len(values), 0, -1) if _filled(values[c - 1])), 0)
            if last:
                bottom, right = row, max(right, last)
        return (1, 1, bottom, right) if bottom else None
    rows = [row for row, cols in cells.items() if any(v is not None for v in cols.values())]
    if not rows:
        return None
    cols = [c for row in rows for c, v in cells[row].items() if v is not None]
    return min(rows), min(cols), max(rows), max(cols)


@dataclass
class SheetJob:
    """What to write into one worksheet."""
    title: str
    cells: dict[int, dict[int, object]]  # row -> column -> value; None clears the cell
    # a sheet sheetsales owns: its whole content from A1 ("" and None are empty cells); the
    # existing rows are dropped
    rows: list[list] | None = None
    blocked: list = field(default_factory=list)  # ((r1, c1, r2, c2), what) never written
    look: object = None  # a ColumnLook of the owned columns (sources.base)
    dxfs: list = field(default_factory=list)  # the look's differential styles, per colour
    row_styles: dict = field(default_factory=dict)  # an owned sheet's row -> style
    cell_styles: dict = field(default_factory=dict)  # an owned sheet's (row, col) -> style
    date_styles: dict = field(default_factory=dict)  # column -> its date cells' style
    template: bytes | None = None  # an owned sheet's part to write its rows into, fresh
    written: int = 0
    cleared: int = 0

    @property
    def replace_rows(self) -> bool:
        return self.rows is not None


class SheetRewriter:
    """Copies a worksheet from `stream` to `out`, applying `job`."""

    def __init__(self, stream, out, job: SheetJob, styles, date1904: bool, where: str):
        self.src, self.out, self.job = stream, out, job
        self.styles, self.date1904, self.where = styles, date1904, where
        self.buf, self.pos, self.copy_from, self.eof = b"", 0, 0, False
        self.pending, self.pending_size = [], 0
        self.cells = job.cells
        job.date_styles = date_styles_of(stream, job, styles)  # rewinds the stream
        self.rows = sorted(row for row, cols in job.cells.items() if cols)  # the rows written
        self.bounds = _bounds(job.cells, job.rows)  # of the cells given a value
        self.next_new = 0  # index in self.rows of the next row not yet written
        self.last_row = self.rows[-1] if self.rows else 0
        self.col_styles: list[tuple[int, int, int]] = []  # (min, max, style) of <cols>
        self._column_styles: dict[int, int] = {}  # column -> its style, once looked up
        self.p = b""

    # -- buffer and output -------------------------------------------------------------
    def _fill(self) -> bool:
        """Read more of the part; False at its end."""
        if self.eof:
            return False
        chunk = self.src.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.copy_from < self.pos:
            self._emit(self.buf[self.copy_from:self.pos])
        self.buf = self.buf[self.pos:] + chunk
        self.pos = self.copy_from = 0
        return True

    def _need_more(self, what: str):
        if not self._fill():
            raise SourceError(f"{self.where} ends inside {what}; the workbook is damaged, "
                              "restore it from a backup")

    def _emit(self, data: bytes):
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= _FLUSH:
            self.out.write(b"".join(self.pending))
            self.pending, self.pending_size = [], 0

    def _copy_until(self, at: int):
        if self.copy_from < at:
            self._emit(self.buf[self.copy_from:at])
        self.copy_from = at

    # -- the three parts of a worksheet ------------------------------------------------
    def run(self):
        sheet_data = self._head()
        if sheet_data[2]:  # <sheetData/>: no rows at all
            self._copy_until(sheet_data.start())
            if self.bounds:
                self._emit(sheet_data[0][:-2].rstrip() + b">")
                self._emit_new_rows(None)
                self._emit(b"</" + self.p + b"sheetData>")
            else:
                self._emit_new_rows(None)  # only cleared cells: nothing to add
                self._emit(sheet_data[0])
            self.copy_from = self.pos = sheet_data.end()
        else:
            self.pos = sheet_data.end()
            self._rows()
        self._tail()
        self.out.write(b"".join(self.pending))
        self.pending = []

    def _head(self):
        while not (root := _ROOT.search(self.buf)) or self.buf.find(b">", root.start()) < 0:
            self._need_more("its first element")
        encoding = _ENCODING.match(self.buf)
        if self.buf[:2] in (b"\xff\xfe", b"\xfe\xff") or (
                encoding and encoding[1].lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii")):
            raise WriteConflict(f"{self.where} is not UTF-8 encoded; open and re-save the workbook "
                                "in Excel and run again")
        name = root[1]
        self.p = name[:name.index(b":") + 1] if b":" in name else b""
        p = re.escape(self.p)
        self.maker = CellMaker(self.p, self.date1904, self.job.title)
        self.cell_tag, self.cell_opener = b"<" + self.p + b"c", b"<" + self.p + b'c r="'
        self.row_close = b"</" + self.p + b"row>"
        self.cell_re = re.compile(b"<" + p + b"c((?:" + ATTR + rb")*)\s*(?:/>|>(.*?)</" + p
                                  + b"c>)", re.S)
        self.formula_re = re.compile(b"<" + p + rb"f[\s/>]")
        if name[len(self.p):] != b"worksheet":
            raise WriteConflict(f"{self.job.title!r} is not a worksheet (it is a "
                                f"{name.decode(errors='replace')}); sheetsales writes only to "
                                "worksheets")
        tag = start_tag(self.p, b"worksheet").match(self.buf, root.start())
        namespace = attrs(tag[1]).get(b"xmlns" + (b":" + self.p[:-1] if self.p else b""), b"")
        if namespace == NS_STRICT.encode():
            raise WriteConflict(f"{self.where} {_STRICT_HINT}")
        if namespace != NS_MAIN.encode():
            raise SourceError(f"{self.where} is not a SpreadsheetML worksheet; open and re-save "
                              "the workbook in Excel and run again")
        pattern = start_tag(self.p, b"sheetData")
        while not (sheet_data := pattern.search(self.buf, root.start())):
            self._need_more("its header, before <sheetData>")
        self._read_cols(self.buf[:sheet_data.start()])
        head = self._with_dimension(self.buf[:sheet_data.start()])
        if self.job.look is not None:
            head = with_widths(head, self.p, self.job.look.widths)
        self._emit(head)
        self.copy_from = sheet_data.start()
        return sheet_data

    def _read_cols(self, head: bytes):
        for m in start_tag(self.p, b"col").finditer(head):
            a = attrs(m[1])
            if a.get(b"style", b"0").isdigit() and a.get(b"min", b"").isdigit():
                low = int(a[b"min"])
                high = int(a[b"max"]) if a.get(b"max", b"").isdigit() else low
                self.col_styles.append((low, high, int(a.get(b"style", b"0"))))

    def _with_dimension(self, head: bytes) -> bytes:
        found = start_tag(self.p, b"dimension").search(head)
        written = self.bounds
        if not found or not (written or self.job.replace_rows):
            return head
        old = parse_range(attrs(found[1]).get(b"ref", b"").decode("ascii", "replace"))
        if old is None and not self.job.replace_rows:
            return head  # unreadable: leave it for Excel to recompute
        boxes = [] if self.job.replace_rows or not old else [old]
        boxes += [written] if written else []
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
               max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else (1, 1, 1, 1)
        if box == old:
            return head
        tag = set_attr(found[0], b"ref", range_name(box).encode())
        return head[:found.start()] + tag + head[found.end():]

    def _rows(self):
        p = self.p
        row_tag = start_tag(p, b"row")
        row_close = self.row_close
        data_close = b"</" + p + b"sheetData>"
        previous = 0
        while True:
            lt = self.buf.find(b"<", self.pos)
            if lt < 0 or len(self.buf) - lt < len(data_close) + 1:
                self._need_more("<sheetData>")
                continue
            if self.buf.startswith(data_close, lt):
                self._copy_until(lt)
                self._emit_new_rows(None)
                self.pos = lt
                return
            match = row_tag.match(self.buf, lt)
            if match is None:
                self._skip_other(lt)
                continue
            if match[2]:
                end = match.end()
            else:
                end = self.buf.find(row_close, match.end())
                if end < 0:
                    self._need_more("a <row>")
                    continue
                end += len(row_close)
            number = _R_ROW.search(match[1])
            number = int(number[1]) if number else previous + 1
            if number <= previous:
                raise WriteConflict(f"{self.where}: row {number} comes after row {previous}, so "
                                    "the sheet is out of order; open and re-save it in Excel")
            previous = number
            self._row(lt, match, end, number)
            self.pos = end

    def _skip_other(self, lt: int):
        """Copy a comment or processing instruction between rows; refuse anything else."""
        for opener, closer in ((b"<!--", b"-->"), (b"<?", b"?>")):
            if self.buf.startswith(opener, lt):
                end = self.buf.find(closer, lt)
                if end < 0:
                    self._need_more("a comment")
                else:
                    self.pos = end + len(closer)
                return
        if self.buf.find(b">", lt) < 0:
            self._need_more("a <row>")
            return
        raise WriteConflict(f"{self.where} holds unexpected XML inside <sheetData> "
                            f"({self.buf[lt:lt + 40]!r}); open and re-save it in Excel")

    def _row(self, lt: int, match, end: int, number: int):
        if self._new_rows_due(number):
            self._copy_until(lt)
            self._emit_new_rows(number)
        if self.job.replace_rows:  # an owned sheet: its old rows go
            self._copy_until(lt)
            self.copy_from = end
            return
        if self.cells.get(number):
            self._copy_until(lt)
            inner = b"" if match[2] else self.buf[match.end():end - len(self.row_close)]
            self._emit(rewrite_row(self, number, match, inner))
            self.copy_from = end
            self.next_new += 1
        elif number < self.last_row and self.buf.find(b"ref=", lt, end) >= 0:
            self.note_formula_ranges(self.buf[lt:end])

    def _tail(self):
        while self._fill():
            pass
        tail = self.buf[self.pos:]
        self._check_merges(tail)  # <mergeCells> always follows <sheetData>
        if self.job.look is None:
            self._copy_until(len(self.buf))
            return
        self._copy_until(self.pos)
        self._emit(dress_tail(tail, self.p, self.job.look, self.job.dxfs))
        self.copy_from = len(self.buf)

    # -- cells ---------------------------------------------------------------------------
    def note_formula_ranges(self, data: bytes):
        """Remember array and data-table formula ranges: their cells must not be written."""
        for m in start_tag(self.p, b"f").finditer(data):
            a = attrs(m[1])
            if a.get(b"t") in (b"array", b"dataTable"):
                box = parse_range(a.get(b"ref", b"").decode("ascii", "replace"))
                if box:
                    self.job.blocked.append((box, f"an {a[b't'].decode()} formula's range"))

    def check_target(self, row: int, col: int):
        """Refuse a cell inside a table, pivot table or array formula range."""
        look = self.job.look
        for box, what in self.job.blocked:
            if look is not None and col in look.headers and what.startswith("Excel table"):
                continue  # the owned columns become (or are) columns of the user's table
            if box[0] <= row <= box[2] and box[1] <= col <= box[3]:
                raise WriteConflict(f"{self.job.title}!{cell_name(row, col)} lies inside {what} "
                                    f"({range_name(box)}); sheetsales writes only outside it: "
                                    "move the column out of that range or convert it to cells")

    def _check_merges(self, tail: bytes):
        if not self.rows and not self.job.rows:
            return
        for m in start_tag(self.p, b"mergeCell").finditer(tail):
            box = parse_range(attrs(m[1]).get(b"ref", b"").decode("ascii", "replace"))
            if not box:
                continue
            for row, values in enumerate((self.job.rows or [])[box[0] - 1:box[2]], box[0]):
                for col, value in enumerate(values[box[1] - 1:box[3]], box[1]):
                    if _filled(value) and (row, col) != box[:2]:
                        self._hidden_in_merge(row, col, box)
            first = bisect.bisect_left(self.rows, box[0])
            for row in self.rows[first:bisect.bisect_right(self.rows, box[2])]:
                for col in self.cells[row]:
                    if box[1] <= col <= box[3] and (row, col) != box[:2]:
                        self._hidden_in_merge(row, col, box)

    def _hidden_in_merge(self, row: int, col: int, box):
        raise WriteConflict(f"{self.job.title}!{cell_name(row, col)} is hidden inside the merged "
                            f"range {range_name(box)}; unmerge it or write to "
                            f"{cell_name(*box[:2])} instead")

    def base_style(self, col: int, row_attrs: dict | None) -> int:
        """The style a new cell takes: its row's (when set) else its column's."""
        if row_attrs and row_attrs.get(b"customFormat", b"0").lower() in (b"1", b"true"):
            style = row_attrs.get(b"s", b"0")
            if style.isdigit():
                return int(style)
        style = self._column_styles.get(col)
        if style is None:
            style = self._column_styles[col] = next(
                (style for low, high, style in self.col_styles if low <= col <= high), 0)
        return style

    def cell(self, row: int, col: int, ref: bytes, value, style: int, keep: bytes = b"") -> bytes:
        """The `<c>` element for a written value, with a date style when it needs one."""
        if self.job.blocked:
            self.check_target(row, col)
        if isinstance(value, dt.date):
            if self.styles is None:
                raise WriteConflict(f"{self.where}: the workbook has no styles part, so "
                                    f"{self.job.title}!{ref.decode()} cannot show a date; "
                                    "open and re-save it in Excel and run again")
            style = self.styles.date_style(style, isinstance(value, dt.datetime),
                                           self.job.date_styles.get(col),
                                           getattr(value, "number_format", None))
        self.job.written += 1
        return self.maker.cell(ref, value, style, keep)

    def targets(self, row: int) -> list[tuple[int, object, bytes]]:
        """[(column, value, b"B12")] of a written row, in column order (made when the row is
        reached, so a big write does not hold its cells twice)."""
        cols = self.cells[row]
        return [(col, cols[col], b"%s%d" % (column_bytes(col), row)) for col in sorted(cols)]

    def _new_rows_due(self, number: int | None) -> bool:
        """Whether written rows that do not exist come before row `number` (None: the end)."""
        return self.next_new < len(self.rows) and (number is None or
                                                   self.rows[self.next_new] < number)

    def _emit_new_rows(self, number: int | None):
        """New <row> elements for written rows that do not exist, up to (not incl.) `number`,
        emitted one by one (an owned sheet's rows are never held whole)."""
        if number is None and self.job.rows is not None:
            self._emit_owned_rows()
        while self._new_rows_due(number):
            row = self.rows[self.next_new]
            targets = self.targets(row)
            cells = b"".join(self.cell(row, col, ref, value, self.base_style(col, None))
                             for col, value, ref in targets if value is not None)
            for col, value, _ in targets:
                if value is None:
                    self.check_target(row, col)
            if cells:
                self._emit(b"<" + self.p + b'row r="%d">' % row + cells + self.row_close)
            self.next_new += 1

    def _emit_owned_rows(self):
        """The rows of a sheet sheetsales owns, from A1, each cell in its column's style; the
        common cells (text and numbers outside any table) go straight to the cell maker."""
        styles: list[int] = []  # column - 1 -> its base style
        letters: list[bytes] = []
        checked = bool(self.job.blocked)
        maker, direct = self.maker.cell, 0  # cells made without self.cell, which counts its own
        open_row, close_row = b"<" + self.p + b'row r="', self.row_close
        row_styles, cell_styles = self.job.row_styles, self.job.cell_styles
        for row, values in enumerate(self.job.rows, 1):
            number = b"%d" % row
            while len(styles) < len(values):
                letters.append(column_bytes(len(styles) + 1))
                styles.append(self.base_style(len(styles) + 1, None))
            row_style = row_styles.get(row) if row_styles else None
            cells = []
            for col, value in enumerate(values):
                if value is None or value.__class__ is str and not value:  # not _filled
                    continue
                style = styles[col] if row_style is None else row_style
                if cell_styles:
                    style = cell_styles.get((row, col + 1), style)
                if checked or isinstance(value, dt.date):
                    cells.append(self.cell(row, col + 1, letters[col] + number, value, style))
                else:
                    cells.append(maker(letters[col] + number, value, style))
                    direct += 1
            if cells:
                self._emit(open_row + number + b'">' + b"".join(cells) + close_row)
        self.job.written += direct
