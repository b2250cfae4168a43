"""The rewrite of one `<row>` of a worksheet: only the written `<c>` elements change.

Written cells are replaced in place, inserted in column order, or removed when cleared (a
cleared cell with a style keeps an empty, styled `<c>`). A cell without an `r` attribute that
follows an inserted or removed cell gets its `r`, so its position cannot shift. `spans` is
widened when present. Every other byte of the row stays as it was.
"""

import functools
import re

from ...core.errors import WriteConflict
from .look import header_style
from .ooxml import attr, attrs, set_attr
from ...core.cells import cell_name, column_number

_R_CELL = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]+["']""")
_S_CELL = re.compile(rb"""\ss\s*=\s*["']([0-9]+)["']""")
_PH_CELL = re.compile(rb"""\sph\s*=\s*["']([^"']*)["']""")
_LETTERS = re.compile(rb"[A-Z]+")
_SPANS = re.compile(rb"[0-9]+:[0-9]+(?: [0-9]+:[0-9]+)*")


def rewrite_row(rw, row: int, match, content: bytes) -> bytes:
    """The new bytes of row `row`, whose start tag is `match` and `content` the bytes between
    it and its end tag; `rw` is the SheetRewriter holding the cells to write."""
    if b"<!--" in content or b"<![CDATA[" in content:
        raise WriteConflict(f"{rw.where}: row {row} holds XML comments or CDATA, which "
                            "sheetsales does not edit; open and re-save it in Excel")
    if b"ref=" in content:
        rw.note_formula_ranges(content)
    row_attrs = attrs(match[1]) if b"customFormat" in match[1] else None
    look = rw.job.look
    if look is not None and row == look.header_row:
        style = header_style(content, rw.p, min(look.headers))
        if style is not None:  # new header cells look like the user's own
            row_attrs = {b"customFormat": b"1", b"s": b"%d" % style}
    targets = rw.targets(row)
    merged = _fast(rw, row, row_attrs, content, targets)
    new_content, new_cols = merged if merged is not None else \
        _general(rw, row, row_attrs, content, targets)
    tag = match[0]
    spans = attr(tag, b"spans") if new_cols and b"spans" in tag else None
    if spans:
        wider = _wider_spans(spans, min(new_cols), max(new_cols))
        if wider:
            tag = set_attr(tag, b"spans", wider)
    if match[2]:
        if not new_content:
            return tag
        tag = tag[:-2].rstrip() + b">"
    return tag + new_content + rw.row_close


def _fast(rw, row: int, row_attrs, content: bytes, targets) -> tuple[bytes, list[int]] | None:
    """The common case, without visiting every cell: each cell starts `<c r="...` (as Excel,
    LibreOffice, openpyxl and xlsxwriter write them) and each written cell either exists or
    lies right of the last cell. None when the row needs the general path (_general)."""
    opener = rw.cell_opener
    if content.count(rw.cell_tag) != content.count(opener) or b"extLst" in content:
        return None
    last = content.rfind(opener)
    last_col = cells_end = 0
    if last >= 0:
        letters = _LETTERS.match(content, last + len(opener), last + len(opener) + 3)
        last_cell = rw.cell_re.match(content, last)
        if not letters or not last_cell:
            return None
        last_col, cells_end = column_number(letters[0].decode()), last_cell.end()
    found, added, previous = [], [], -1  # every target is placed before any is written
    for target in targets:
        at = content.find(opener + target[2] + b'"')
        if at < 0:
            if target[0] <= last_col:
                return None
            added.append(target)
            continue
        match = rw.cell_re.match(content, at) if at > previous else None
        if match is None:
            return None
        previous = at
        found.append((target, match))
    out, done = [], 0
    for target, match in found:
        out += [content[done:match.start()], _replace(rw, row, *target, match)]
        done = match.end()
    if done < cells_end:
        out.append(content[done:cells_end])
        done = cells_end
    return _ending(rw, row, row_attrs, out, [], added, content[done:])


@functools.lru_cache(maxsize=256)
def _wider_spans(spans: bytes, low: int, high: int) -> bytes | None:
    """`spans` ("1:25") widened to columns low..high, or None when it need not change."""
    if not _SPANS.fullmatch(spans):
        return None
    bounds = [int(n) for n in re.findall(rb"[0-9]+", spans)]
    if min(bounds) <= low and high <= max(bounds):
        return None
    return f"{min(bounds + [low])}:{max(bounds + [high])}".encode()


def _general(rw, row: int, row_attrs, content: bytes, targets) -> tuple[bytes, list[int]]:
    """Merges a row's existing cells with `targets` ([(column, value, b"B12")] in column
    order), visiting every cell; the row's new content and the columns of cells added."""
    ext = content.find(b"<" + rw.p + b"extLst")
    limit = ext if ext >= 0 else len(content)
    out, done, previous, cells_end, ti = [], 0, 0, 0, 0
    new_cols, shifted = [], False
    for m in rw.cell_re.finditer(content, 0, limit):
        r = _R_CELL.search(m[1])
        col = column_number(r[1].decode()) if r else previous + 1
        if col <= previous:
            raise WriteConflict(f"{rw.where}: in row {row} cell {cell_name(row, col)} comes "
                                "after a cell to its right; open and re-save it in Excel")
        previous, cells_end = col, m.end()
        while ti < len(targets) and targets[ti][0] < col:
            made = _new(rw, row, row_attrs, *targets[ti])
            if made:
                out += [content[done:m.start()], made]
                done = m.start()
                new_cols.append(targets[ti][0])
                shifted = True
            ti += 1
        if ti < len(targets) and targets[ti][0] == col:
            made = _replace(rw, row, col, targets[ti][1], targets[ti][2], m)
            shifted = shifted or not made
            out += [content[done:m.start()], made]
            done = m.end()
            ti += 1
        elif shifted and not r:  # keep its position now that the cells before it moved
            name_end = m.start() + len(rw.p) + 2
            out += [content[done:name_end], b' r="' + cell_name(row, col).encode() + b'"']
            done = name_end
    out.append(content[done:cells_end] if cells_end > done else b"")
    done = max(done, cells_end)
    return _ending(rw, row, row_attrs, out, new_cols, targets[ti:], content[done:])


def _ending(rw, row: int, row_attrs, out: list, new_cols: list, right, rest: bytes):
    """The row's new content: `out`, then the new cells of `right` (targets right of every
    existing cell), then `rest`; and the columns of the cells added."""
    for col, value, ref in right:
        made = _new(rw, row, row_attrs, col, value, ref)
        if made:
            out.append(made)
            new_cols.append(col)
    out.append(rest)
    return b"".join(out), new_cols


def _new(rw, row: int, row_attrs, col: int, value, ref: bytes) -> bytes:
    """A new cell in its row's or column's style; b"" for a clear (checked, not written)."""
    if value is None:
        rw.check_target(row, col)
        return b""
    return rw.cell(row, col, ref, value, rw.base_style(col, row_attrs))


def _replace(rw, row: int, col: int, value, ref: bytes, m) -> bytes:
    """Cell `m` (a match of rw.cell_re) rewritten to hold `value`, keeping its style."""
    if m[2] and rw.formula_re.search(m[2]):
        raise WriteConflict(f"{rw.maker.where(ref)} holds a formula, and sheetsales never "
                            "writes over formulas; move the formula or let sheetsales use "
                            "another column")
    style = _S_CELL.search(m[1])
    style = int(style[1]) if style else 0
    phonetic = _PH_CELL.search(m[1]) if b"ph" in m[1] else None
    keep = b' ph="' + phonetic[1] + b'"' if phonetic else b""
    if value is None:
        rw.check_target(row, col)
        rw.job.cleared += 1
        return rw.maker.empty(ref, style, keep) if style else b""
    return rw.cell(row, col, ref, value, style, keep)
