"""The surgical .xlsx/.xlsm writer: writes cells and sheetsales-owned sheets into a workbook
and leaves every other byte of it alone.

Only these parts can change: the edited worksheets, xl/styles.xml (date formats appended),
and, when a sheet is added, xl/workbook.xml, its rels and [Content_Types].xml. Every other zip
entry is copied raw (same compressed bytes and CRC) in its original order; new parts go last.
xl/sharedStrings.xml (text is written inline), xl/calcChain.xml (formulas are never
overwritten), docProps/app.xml (see xlsx_book) and vbaProject.bin never change.

What is refused, each with one sentence naming the fix: Strict Open XML, encrypted or
non-zip files, zip bombs, a workbook open in Excel or LibreOffice (their lock files), a file
changed while being written, and the cell-level refusals listed in xlsx_sheet. Refusals happen
before the output exists. The write is atomic: a temporary file in the target's folder is
fsynced and renamed over the target (keeping its permission bits), and removed on any failure.
"""

import os
import stat
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from ..atomic import atomic_file, refuse_if_open
from ...core.errors import SourceError, WriteConflict
from .ooxml import SourcePackage
from .zipout import Deflated, ZipOutput, deflate, new_entry_info
from .book import NEW_SHEET, Book, check_title
from ...core.cells import MAX_COL, MAX_ROW, cell_name, parse_ref
from .sheet import SheetJob, SheetRewriter
from .styles import StyleSheet
from .charts import with_overrides
from .dress import dress
from ..base import ColumnLook, SheetLook


@dataclass(frozen=True)
class WriteResult:
    """What a write did."""
    path: Path
    cells_written: int = 0  # cells given a value, incl. those of owned sheets
    cells_cleared: int = 0  # existing cells emptied
    sheets_created: tuple[str, ...] = ()
    sheets_replaced: tuple[str, ...] = ()
    styles_added: int = 0  # cell formats appended to xl/styles.xml
    names_changed: int = 0  # sheetsales' hidden names set or removed
    rewritten: bool = False  # False when the workbook already held exactly this content


def write_xlsx(path, cells: Mapping[tuple[str, str], object] | Iterable[tuple[tuple, object]],
               sheets: Mapping[str, Iterable[Iterable]] | None = None, *,
               out_path=None, names: Mapping[tuple[str, str], str | None] | None = None,
               expect: tuple | None = None, looks: Mapping[str, SheetLook] | None = None,
               columns: Mapping[str, ColumnLook] | None = None) -> WriteResult:
    """Write `cells` ({(sheet title, "B12"): value}, or those pairs in any iterable; a cell
    may also be given as its 1-based (row, column), e.g. (12, 2)) and the sheets sheetsales
    owns ({title: rows}) into the workbook at `path`, atomically, changing nothing else.

    Values are str, int, float, bool, date, datetime or None (clear the cell; "" clears too).
    An owned sheet is created (as the last sheet, with a hidden ownership mark) when absent,
    replaced when it carries the mark, and refused when a user's sheet has that title.
    `names` sets hidden sheet-scoped names sheetsales keeps ({(sheet title,
    "_sheetsales_status"): "$Q:$Q"}; None removes one). The result goes to `out_path` when
    given, else replaces `path`; `expect` is the (mtime_ns, size, inode) the caller read, and
    a file that no longer has it is refused. When every edited part comes out identical to the original
    (same CRC-32 and size), nothing is written at all.

    `looks` ({owned sheet title: SheetLook}) presents an owned sheet (styled, frozen and
    filtered header, widths, internal links, charts); `columns` ({sheet title: ColumnLook})
    dresses sheetsales' columns on an edited sheet (header style, widths, the autofilter and
    Excel Table extended over them, the status colours).
    """
    source = Path(os.path.realpath(path))
    target = Path(os.path.realpath(out_path)) if out_path is not None else source
    edits = _group_cells(cells)
    owned = dict(sheets or {})
    if len({title.lower() for title in owned}) < len(owned):
        raise ValueError(f"sheets {sorted(owned)} name one sheet twice (titles ignore case)")
    for title in owned:
        if any(t.lower() == title.lower() for t in edits):
            raise ValueError(f"sheet {title!r} is given both cells and whole rows; give one")
    if not edits and not owned and not names:
        return WriteResult(target)
    refuse_if_open(source)
    if target != source:
        refuse_if_open(target)
    before = _fingerprint(source)
    if expect is not None and (before.st_mtime_ns, before.st_size, before.st_ino) != expect:
        raise WriteConflict(f"{source.name} changed since sheetsales read it (someone saved it "
                            "meanwhile); nothing was written, run again")
    with SourcePackage(source) as pkg:
        book = Book(pkg)
        styles = StyleSheet(pkg.read(book.styles_part), f"{pkg.name}: {book.styles_part}") \
            if book.styles_part else None
        jobs, created, replaced = _plan(book, edits, owned)
        taken = {i.filename.lower() for i in pkg.infos} | {s.part.lower() for s in book.added}
        changed_parts, new_parts = dress(pkg, jobs, styles, looks or {}, columns or {}, taken)
        for (title, defined_name), ref in (names or {}).items():
            sheet = book.sheet(title)
            if sheet is None:
                raise WriteConflict(f"{pkg.name} has no sheet named {title!r} to keep the name "
                                    f"{defined_name} on")
            book.set_name(sheet, defined_name, ref)
        spools: dict[str, Deflated] = {}
        try:
            last = None
            for sheet, job in jobs:
                spool = spools[sheet.part.lower()] = _rewrite(pkg, book, sheet, job, styles,
                                                              target.parent)
                if last:  # its end compressed while this sheet was rewritten
                    last.finish()
                last = spool
            if last:
                last.finish()
            changed = {name.lower(): data for name, data in book.edited_parts().items()}
            changed.update(changed_parts)
            if new_parts:
                types = changed.get("[content_types].xml") or pkg.read("[Content_Types].xml")
                changed["[content_types].xml"] = with_overrides(types, list(new_parts))
            if styles is not None and styles.changed:
                changed[book.styles_part.lower()] = styles.to_bytes()
            rewritten = bool(changed) or target != source or not all(
                _same(pkg.find(part), spool) for part, spool in spools.items())
            if rewritten:
                # the source is closed before the rename: Windows refuses to replace a
                # file that any handle (ours too) holds open
                _write_package(pkg, book, target, spools, changed,
                               lambda: (pkg.close(), _check_unchanged(source, before)),
                               stat.S_IMODE(before.st_mode), new_parts)
        finally:
            for spool in spools.values():
                spool.close()
    return WriteResult(
        target, sum(job.written for _, job in jobs), sum(job.cleared for _, job in jobs),
        tuple(created), tuple(replaced), len(styles.added_xfs) if styles else 0,
        len(book.name_edits), rewritten)


def _same(info, spool: Deflated) -> bool:
    """Whether a rewritten part came out as the original (a new part never does)."""
    return info is not None and (info.CRC, info.file_size) == (spool.crc, spool.size)


def _group_cells(cells) -> dict[str, dict[int, dict[int, object]]]:
    """{(title, "B12" or (12, 2)): value} -> {title: {row: {column: value}}}; "" clears like
    None."""
    grouped: dict[str, dict[int, dict[int, object]]] = {}
    for (title, ref), value in cells.items() if isinstance(cells, Mapping) else cells:
        row, col = _position(ref)
        sheet = grouped.get(title)
        if sheet is None:
            sheet = grouped[title] = {}
        cols = sheet.get(row)
        if cols is None:
            cols = sheet[row] = {}
        elif col in cols:
            raise ValueError(f"{title}!{cell_name(row, col)} is given twice")
        cols[col] = None if value == "" else value
    return grouped


def _position(ref) -> tuple[int, int]:
    if ref.__class__ is not tuple:
        return parse_ref(ref)
    row, col = ref
    if not (0 < row <= MAX_ROW and 0 < col <= MAX_COL):
        raise ValueError(f"{ref!r} lies outside the sheet (rows 1-{MAX_ROW}, columns 1-{MAX_COL})")
    return ref


def _plan(book: Book, edits, owned):
    jobs, created, replaced = [], [], []
    by_part: dict[str, SheetJob] = {}
    for title, cells in edits.items():
        sheet = book.sheet(title)
        if sheet is None:
            raise WriteConflict(f"{book.pkg.name} has no sheet named {title!r}; its sheets are "
                                f"{', '.join(repr(s.title) for s in book.sheets)}")
        job = by_part.get(_writable(book, sheet).part)
        if job is None:
            job = by_part[sheet.part] = SheetJob(sheet.title, cells)
            jobs.append((sheet, job))
            continue
        for row, cols in cells.items():  # a second title for the same sheet (case differs)
            known = job.cells.setdefault(row, {})
            if known.keys() & cols.keys():
                raise ValueError(f"cells of sheet {sheet.title!r} are given twice (titles "
                                 "ignore case)")
            known.update(cols)
    for title, rows in owned.items():
        check_title(title)
        sheet = book.sheet(title)
        if sheet is None:
            sheet = book.add_sheet(title)
            created.append(title)
        elif not book.owned(sheet):
            raise WriteConflict(f"{book.pkg.name} already has a sheet {sheet.title!r} that "
                                "sheetsales did not create; rename or delete that sheet, or "
                                "configure another name for sheetsales' sheet")
        else:
            _writable(book, sheet)
            replaced.append(sheet.title)
        rows = [row if isinstance(row, list) else list(row) for row in rows]
        _within_limits(title, rows)
        jobs.append((sheet, SheetJob(sheet.title, {}, rows=rows)))
    return jobs, created, replaced


def _within_limits(title: str, rows: list[list]) -> None:
    """An owned sheet past Excel's last row or column would be "repaired" (cut) by Excel:
    refuse it before anything is written; the plan caps its rows (plan.columns)."""
    if len(rows) > MAX_ROW:
        raise WriteConflict(f"sheet {title!r} would have {len(rows):,} rows, more than the "
                            f"{MAX_ROW:,} an Excel sheet holds; nothing was written")
    wide = max(map(len, rows), default=0)
    if wide > MAX_COL:
        raise WriteConflict(f"sheet {title!r} would have {wide:,} columns, more than the "
                            f"{MAX_COL:,} an Excel sheet holds; nothing was written")


def _writable(book: Book, sheet):
    if sheet.kind != "worksheet" or sheet.part is None or book.pkg.find(sheet.part) is None:
        raise WriteConflict(f"sheet {sheet.title!r} of {book.pkg.name} is a {sheet.kind}, not a "
                            "worksheet with cells; sheetsales writes only to worksheets")
    return sheet


def _rewrite(pkg: SourcePackage, book: Book, sheet, job: SheetJob, styles,
             folder: Path) -> Deflated:
    """The sheet's new part, compressing into a spool (spilling into `folder`, the output's)
    until its `finish`; every refusal happens here."""
    info = pkg.find(sheet.part)
    if info is not None and job.template is None:
        job.blocked.extend(book.blocked_ranges(sheet))
    spool = Deflated(info.compress_type if info is not None else zipfile.ZIP_DEFLATED, folder)
    where = f"{pkg.name}: {sheet.part}"
    try:
        stream = BytesIO(job.template) if job.template is not None else \
            pkg.open(sheet.part) if info is not None else BytesIO(NEW_SHEET)
        with stream:
            SheetRewriter(stream, spool, job, styles, book.date1904, where).run()
        return spool
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        spool.close()
        raise SourceError(f"{where} is corrupt ({exc}); restore the workbook from a backup or "
                          "re-save it in Excel") from None
    except BaseException:
        spool.close()
        raise


def _write_package(pkg, book, target: Path, spools, changed, check, mode: int, new_parts):
    anchor = pkg.find(book.part)
    missing = set(changed)
    with atomic_file(target, mode, check) as fp:
        out = ZipOutput(fp)
        for info in pkg.infos:
            key = info.filename.lower()
            if key in spools:
                out.add(info, spools[key])
            elif key in changed:
                missing.discard(key)
                small = deflate(changed[key], info.compress_type)
                try:
                    out.add(info, small)
                finally:
                    small.close()
            else:
                out.copy_raw(pkg, info)
        for sheet in book.added:
            out.add(new_entry_info(sheet.part, anchor), spools[sheet.part.lower()])
        for name, data in new_parts.items():  # an owned sheet's drawing and charts
            small = deflate(data)
            try:
                out.add(new_entry_info(name, anchor), small)
            finally:
                small.close()
        if missing:
            raise SourceError(f"{pkg.name} lacks the parts {sorted(missing)}; open and re-save it "
                              "in Excel and run again")
        out.finish(pkg.zip.comment[:0xFFFF])


def _fingerprint(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc.strerror}; check the path") from None


def _check_unchanged(path: Path, before: os.stat_result):
    now = _fingerprint(path)
    if (now.st_mtime_ns, now.st_size, now.st_ino) != (before.st_mtime_ns, before.st_size,
                                                      before.st_ino):
        raise WriteConflict(f"{path.name} changed while sheetsales was writing it; nothing was "
                            "written, run again")
