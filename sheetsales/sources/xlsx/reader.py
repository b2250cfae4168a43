"""Reading .xlsx/.xlsm workbooks fast with python-calamine (cached formula values, dates,
the 1904 system), and telling apart the files that only look like workbooks.

calamine trusts what it reads: it inflates every part the zip declares, and it builds a
sheet as one dense grid from its first to its last value cell, so a single stray value at
XFD1048576 asks for 512 GiB and aborts the process. Hostile files are therefore refused
before calamine sees them, each with one sentence: zip entries whose inflated size or
compression ratio is absurd (the writer's zip-bomb limits, plus a total), a package without
its workbook part, XML parts that declare entities (a DOCTYPE, which Excel never writes), and
sheets whose value cells span more than MAX_CELLS (bounded by a regex scan of the sheet XML
before calamine reads it).

Longer than 300 lines because each refusal sits beside the reading step it protects."""

import functools
import re
import string
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

import python_calamine as calamine
from lxml import etree

from ...core.cells import cell_name, column_letters, column_number
from ...core.errors import SourceError
from ..base import Row
from .ooxml import MAX_TOTAL_BYTES, looks_like_bomb, parse_xml, resolve, rels_part

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_CELLS = 1 << 24  # calamine spends 32 bytes a cell of a sheet's span: 512 MiB
PROLOG_PEEK = 1 << 16  # bytes of each XML part searched for a DOCTYPE
PROLOG_SHORT = 1 << 10  # ...or these, where they reach the root element with no `<!` before
_ROOT_FIRST = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?[^<>]*\?>\s*)?<[A-Za-z_]")
SCAN_CHUNK = 1 << 22
TAIL_PEEK = 1 << 16  # bytes at a chunk's end searched for its last cell
_DOCTYPE = [marker.encode(codec) for marker in ("<!DOCTYPE", "<!doctype")
            for codec in ("utf-8", "utf-16-le", "utf-16-be")]
# Cell start tags (any namespace prefix) that carry content, i.e. are not self-closing:
# only those become calamine cells. The literal `c` first keeps the scans at regex speed.
_CONTENT = rb'"(?:[^>"/]|"[^"]*")*>'
_IRREGULAR_CELL = re.compile(rb'c(?:[\t\r\n>/]| (?!r="))(?<=[<:]c.)')  # not `<c r="...`
# The cells that can make a span large: column AA on, row 100000 on, or a cell without a
# leading r="..." (all groups empty); see _beyond for bigger sheets.
_FAR_CELL = re.compile(rb'c(?<=[<:]c)(?: r="(?:([A-Z]{2,})([0-9]+)|[A-Z]([0-9]{6,}))' +
                       _CONTENT + rb'|(?=[\s>/])(?! r="))')
_CELL = re.compile(rb'c(?<=[<:]c) r="([A-Z]+)([0-9]+)' + _CONTENT)
_REF = re.compile(r"([A-Z]+)([0-9]+)")


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
        self.path, self.name = path, str(path)
        self.date1904, self._parts, self._every_sheet = inspect_package(path)
        try:
            self._book = calamine.CalamineWorkbook.from_path(str(path))
        except (calamine.CalamineError, OSError, ValueError) as exc:
            raise SourceError(f"{path} could not be read as a workbook ({exc}); open and save "
                              "it in Excel to repair it") from None
        self._sheets: dict = {}
        self._extents: dict = {}  # title -> (start, end, total height), kept after release
        self._package: zipfile.ZipFile | None = None  # for the span scans, opened once

    def sheet_names(self) -> list[str]:
        return [m.name for m in self._book.sheets_metadata
                if m.typ == calamine.SheetTypeEnum.WorkSheet]

    def _sheet(self, title: str):
        if title in self._sheets:
            return self._sheets[title]
        # a sheet whose part the workbook does not name plainly: bound every worksheet part
        if self._package is None:
            self._package = _open_zip(self.path)
        for part in [self._parts[title]] if title in self._parts else self._every_sheet:
            check_sheet_span(self.path, part, title, self._package)
        try:
            sheet = self._sheets[title] = self._book.get_sheet_by_name(title)
            self._extents[title] = (sheet.start, sheet.end, sheet.total_height)
            return sheet
        except (calamine.CalamineError, ValueError) as exc:
            raise SourceError(f"sheet {title!r} of {self.name} could not be read ({exc}); open "
                              "and save the workbook in Excel to repair it") from None

    def close(self) -> None:
        """Let go of the sheets read (calamine holds whole sheets in memory) and of the file;
        again is harmless."""
        self._sheets.clear()
        if self._package is not None:
            self._package.close()
            self._package = None
        if self._book is not None:
            self._book.close()
            self._book = None

    def release(self, title: str) -> None:
        self._sheets.pop(title, None)

    def _extent(self, title: str) -> tuple:
        if title not in self._extents:
            self._sheet(title)
        return self._extents[title]

    def row_count(self, title: str) -> int | None:
        return self._extent(title)[2]

    def used_width(self, title: str) -> int:
        """Columns up to the right edge of the sheet's used range."""
        end = self._extent(title)[1]
        return end[1] + 1 if end else 0

    def rows(self, title: str) -> Iterator[Row]:
        sheet = self._sheet(title)
        # calamine yields every row from row 1, but only the columns of the used range
        pad = [None] * (sheet.start[1] if sheet.start else 0)
        for index, cells in enumerate(sheet.iter_rows()):
            yield index + 1, pad + cells if pad else cells


# --- checks before calamine opens the package ----------------------------------------------

def _corrupt(path: Path, exc: Exception) -> SourceError:
    return SourceError(f"{path} is a damaged workbook ({exc}); open and save it in Excel to "
                       "repair it, or restore it from a backup")


def inspect_package(path: Path) -> tuple[bool, dict[str, str], list[str]]:
    """Refuse a hostile or broken package; return its date system (True for 1904), its
    sheet titles -> sheet parts, and every part in xl/worksheets/."""
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            check_sizes(path, infos)
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels")):
                    _refuse_doctype(path, package, info)
            return _workbook(path, package)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise _corrupt(path, exc) from None


def check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs from the central directory alone, before inflating anything."""
    for info in infos:
        if info.flag_bits & 0x1:
            raise SourceError(f"{path} has encrypted zip entries ({info.filename}), which "
                              "Excel never writes; open and save it in Excel and try again")
        if looks_like_bomb(info):
            raise SourceError(
                f"{path}: part {info.filename} would inflate to {info.file_size:,} bytes from "
                f"{info.compress_size:,} ({info.file_size // max(info.compress_size, 1):,}:1), "
                "which looks like a zip bomb, so it was not opened; if the workbook is "
                "genuine, export its deals sheet from Excel as .csv and check that")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise SourceError(f"{path} would inflate to {total:,} bytes in all, more than the "
                          f"{MAX_TOTAL_BYTES:,} sheetsales reads, so it was not opened; export "
                          "its deals sheet from Excel as .csv and check that")


def _refuse_doctype(path: Path, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with package.open(info) as part:
        head = part.read(PROLOG_SHORT)
        if not _ROOT_FIRST.match(head):  # a DOCTYPE may only come before the root element
            head += part.read(PROLOG_PEEK - len(head))
    if any(marker in head for marker in _DOCTYPE):
        raise SourceError(f"{path}: part {info.filename} declares XML entities (a DOCTYPE), "
                          "which Excel never writes and which can hide an entity bomb, so it "
                          "was not read; open and save the workbook in Excel and try again")


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _rels(path: Path, package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of `part`, or {} when it has none."""
    name = rels_part(part)
    try:
        data = package.read(name)
    except KeyError:
        return {}
    root = parse_xml(data, f"{path}: {name}")
    return {rel.get("Id", ""): (rel.get("Type", ""), resolve(part, rel.get("Target", "")))
            for rel in root if _local(rel) == "Relationship"
            and rel.get("TargetMode") != "External"}


def _workbook(path: Path, package: zipfile.ZipFile) -> tuple[bool, dict[str, str], list[str]]:
    names = {name.lower(): name for name in package.namelist()}
    office = [target for kind, target in _rels(path, package, "").values()
              if kind.endswith("/officeDocument")]
    part = names.get((office[0] if office else "xl/workbook.xml").lower())
    if part is None:
        raise SourceError(f"{path} is a zip file without a workbook part (xl/workbook.xml), "
                          "so it is not an Excel workbook; save it from Excel as .xlsx")
    root = parse_xml(package.read(part), f"{path}: {part}")
    date1904 = any(_local(el) == "workbookPr" and
                   el.get("date1904", "").lower() in ("1", "true") for el in root)
    rels = _rels(path, package, part)
    parts = {}
    for sheet in root.iter():
        if _local(sheet) != "sheet":
            continue
        rel_id = next((v for k, v in sheet.attrib.items() if etree.QName(k).localname == "id"
                       and etree.QName(k).namespace), None)
        target = rels.get(rel_id, ("", None))[1]
        if target is not None and target.lower() in names:
            parts[sheet.get("name", "")] = names[target.lower()]
    every = [name for lower, name in names.items()
             if lower.startswith("xl/worksheets/") and lower.endswith(".xml")]
    return date1904, parts, every


# --- the span of a sheet's cells, before calamine builds it ---------------------------------

def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise _corrupt(path, exc) from None


def check_sheet_span(path: Path, part: str, title: str, package: zipfile.ZipFile) -> None:
    """Refuse a sheet whose value cells span more than MAX_CELLS, which calamine would
    allocate as one grid (`package` is the workbook at `path`, open). Formatting-only cells
    and rows (self-closing tags) do not count."""
    try:
        if _quick_bound(package, part) <= MAX_CELLS:
            return
        span = _exact_span(package, part)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise _corrupt(path, exc) from None
    except expat.ExpatError as exc:
        raise SourceError(f"sheet {title!r} of {path} is not well-formed XML ({exc}); open and "
                          "save the workbook in Excel to repair it") from None
    if span is None:
        return
    (top, left), (bottom, right) = span
    cells = (bottom - top + 1) * (right - left + 1)
    if cells > MAX_CELLS:
        raise SourceError(
            f"sheet {title!r} of {path} has values from {cell_name(top, left)} to "
            f"{cell_name(bottom, right)}, a span of {cells:,} cells, more than the "
            f"{MAX_CELLS:,} sheetsales reads; delete the stray value at "
            f"{cell_name(bottom, right)} (or the rows "
            "and columns beyond your data) in Excel, save, and try again")


def _chunks(package: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's inflated bytes in chunks that end after a `>`, so no tag is split."""
    tail = b""
    with package.open(part) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            data = tail + chunk
            cut = data.rfind(b">") + 1
            tail = data[cut:]
            yield data[:cut]
    yield tail


def _quick_bound(package: zipfile.ZipFile, part: str) -> float:
    """An upper bound of the span's cells: (deepest row) x (widest column) of the cells with
    content, counting at least 99,999 rows and 26 columns; infinite when some cell lacks a
    leading r="..." (its place is implied).

    Each chunk first takes its last cell's row and column (in a sheet saved in order, the
    deepest and usually the widest), so the scan only has to match the rare cells beyond
    them rather than every cell of a big sheet."""
    deepest, widest = 99_999, 26
    for data in _chunks(package, part):
        tail = _last_cell(data)
        if tail:
            deepest = max(deepest, int(tail[2]))
            widest = max(widest, column_number(tail[1].decode()))
        for wide, wide_row, deep_row in _beyond(widest, deepest).findall(data):
            if not (wide or deep_row):
                return float("inf")
            deepest = max(deepest, int(wide_row or deep_row))
            if wide:
                widest = max(widest, column_number(wide.decode()))
    return deepest * widest


def _last_cell(data: bytes) -> re.Match | None:
    """The chunk's last cell with content, sought in its last few KiB first (a sheet's rows
    are short), then in its last TAIL_PEEK bytes."""
    for peek in (TAIL_PEEK >> 5, TAIL_PEEK):
        tail = None
        for tail in _CELL.finditer(data, max(0, len(data) - peek)):
            pass
        if tail or peek >= len(data):
            return tail
    return None


@functools.lru_cache(maxsize=64)
def _beyond(column: int, row: int) -> re.Pattern:
    """Cells with content right of `column` (groups 1, 2: letters, row) or below `row` (group
    3: row), and cells without a leading r="..." (no group)."""
    if column <= 26 and row <= 99_999:  # the usual sheet: a short pattern, fast to fail
        return _FAR_CELL
    letters = _after(column_letters(column), string.ascii_uppercase, string.ascii_uppercase)
    digits = _after(str(row), string.digits, string.digits[1:])
    return re.compile(rb'c(?<=[<:]c)(?: r="(?:(' + letters + rb')([0-9]+)|[A-Z]+0*(' + digits
                      + rb'))' + _CONTENT + rb'|(?=[\s>/])(?! r="))')


def _after(text: str, alphabet: str, leading: str, places: int = 4) -> bytes:
    """A regex for the strings of `alphabet` that may come after `text` when longer strings
    come later (row numbers, column letters): longer ones, or as long and greater in one of
    the first `places` characters, or as long with those equal (a few more than needed, so
    that the pattern stays short)."""
    options = [f"[{leading}][{alphabet}]{{{len(text)},}}"]
    for at, char in enumerate(text[:places]):
        higher = alphabet[alphabet.index(char) + 1:]
        if higher:
            options.append(f"{text[:at]}[{higher}][{alphabet}]{{{len(text) - at - 1}}}")
    if len(text) > places:
        options.append(f"{text[:places]}[{alphabet}]{{{len(text) - places}}}")
    return "(?:{})".format("|".join(options)).encode()


def _exact_span(package: zipfile.ZipFile, part: str):
    """((top, left), (bottom, right)) of the cells with content (1-based), or None."""
    top = left = float("inf")
    bottom = right = 0
    irregular = False
    for data in _chunks(package, part):
        if _IRREGULAR_CELL.search(data):
            irregular = True
            break
        found = _CELL.findall(data)
        if found:
            columns = {column_number(c.decode()) for c, _ in found}
            rows = [int(r) for _, r in found]
            top, bottom = min(top, min(rows)), max(bottom, max(rows))
            left, right = min(left, min(columns)), max(right, max(columns))
    if irregular:
        return _parsed_span(package, part)
    return ((top, left), (bottom, right)) if bottom else None


def _parsed_span(package: zipfile.ZipFile, part: str):
    """The span by parsing, for sheets whose cells or rows leave their place implied (calamine
    puts them after the previous one)."""
    state = {"row": 0, "col": 0, "cell": None, "top": float("inf"), "left": float("inf"),
             "bottom": 0, "right": 0}

    def start(name, attributes):
        local = name.rpartition(":")[2]
        if local == "row":
            ref = attributes.get("r", "")
            state["row"] = int(ref) if ref.isdigit() else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            match = _REF.fullmatch(attributes.get("r", ""))
            if match:
                state["col"] = column_number(match[1])
                state["cell"] = (int(match[2]), state["col"])
            else:
                state["col"] += 1
                state["cell"] = (state["row"], state["col"])
        elif local in ("v", "is") and state["cell"] is not None:
            row, col = state["cell"]
            state["top"], state["bottom"] = min(state["top"], row), max(state["bottom"], row)
            state["left"], state["right"] = min(state["left"], col), max(state["right"], col)

    def end(name):
        if name.rpartition(":")[2] == "c":
            state["cell"] = None

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with package.open(part) as stream:
        parser.ParseFile(stream)
    if not state["bottom"]:
        return None
    return (state["top"], state["left"]), (state["bottom"], state["right"])
