"""How sheetsales' columns and sheets look, as worksheet XML: the template of an owned sheet
(frozen header, widths, filter, internal links, its drawing), and the edits that dress the
owned columns of a deals sheet — widths in `<cols>`, the sheet's `<autoFilter>` extended over
them, and the status column's conditional formats. Each edit touches only what sheetsales
owns: a user's `<col>` range that spans an owned column is split so the user's columns keep
their width, and a conditional format is sheetsales' when its range lies inside the owned
status column (it is replaced each write, so runs do not pile them up)."""

import re

from ...core.cells import cell_name, column_letters, column_number
from ..base import ColumnLook, SheetLook
from .cells import parse_range, range_name
from .ooxml import ATTR, NS_MAIN, NS_R, attrs, escape_attr, set_attr, start_tag

# CT_Worksheet's children after <conditionalFormatting>: a new one goes before the first
AFTER_FORMATS = (b"dataValidations", b"hyperlinks", b"printOptions", b"pageMargins",
                 b"pageSetup", b"headerFooter", b"rowBreaks", b"colBreaks", b"customProperties",
                 b"cellWatches", b"ignoredErrors", b"smartTags", b"drawing", b"legacyDrawing",
                 b"legacyDrawingHF", b"picture", b"oleObjects", b"controls", b"webPublishItems",
                 b"tableParts", b"extLst")


def owned_sheet(look: SheetLook, height: int, width: int, drawing: str | None) -> bytes:
    """The worksheet part an owned sheet's rows are written into (`height` rows, `width`
    columns), with its drawing's relationship id when it has charts."""
    head = look.header_row
    view = b'<sheetView workbookViewId="0"/>'
    if look.freeze and head and height > head:
        top = cell_name(head + 1, 1).encode()
        view = (b'<sheetView workbookViewId="0"><pane ySplit="%d" topLeftCell="%s" '
                b'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                b'activeCell="%s" sqref="%s"/></sheetView>' % (head, top, top, top))
    cols = b"".join(b'<col min="%d" max="%d" width="%s" customWidth="1"/>'
                    % (c, c, _number(w)) for c, w in sorted(look.widths.items()))
    tail = b""
    if look.autofilter and head and width:
        tail += b'<autoFilter ref="%s"/>' % range_name((head, 1, max(head, height), width)).encode()
    if look.links:
        tail += b"<hyperlinks>" + b"".join(
            b'<hyperlink ref="%s" location="%s" display="%s"/>'
            % (cell_name(r, c).encode(), escape_attr(to), escape_attr(to.split("!")[-1]))
            for (r, c), to in sorted(look.links.items())) + b"</hyperlinks>"
    tail += (b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
             b'footer="0.3"/>')
    if drawing:
        tail += b'<drawing r:id="%s"/>' % drawing.encode()
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
            + NS_MAIN.encode() + b'" xmlns:r="' + NS_R.encode() + b'"><dimension ref="A1"/>'
            b"<sheetViews>" + view + b'</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (b"<cols>" + cols + b"</cols>" if cols else b"") + b"<sheetData/>" + tail
            + b"</worksheet>")


def _number(width: float) -> bytes:
    return (b"%d" % width) if float(width).is_integer() else (b"%.2f" % width)


# -- a deals sheet's owned columns -------------------------------------------------------------
def with_widths(head: bytes, p: bytes, widths: dict[int, float]) -> bytes:
    """The sheet's head with the owned columns at least `widths` wide: a `<col>` of the
    user's that spans an owned column is split around it, keeping its bytes otherwise."""
    if not widths:
        return head
    opened = start_tag(p, b"cols").search(head)
    col_tag = start_tag(p, b"col")
    entries = []  # (min, max, start tag)
    if opened and not opened[2]:
        end = head.find(b"</" + p + b"cols>", opened.end())
        for m in col_tag.finditer(head, opened.end(), end):
            a = attrs(m[1])
            low = int(a.get(b"min", b"0")) if a.get(b"min", b"").isdigit() else 0
            high = int(a.get(b"max", b"0")) if a.get(b"max", b"").isdigit() else low
            entries.append((low, high, m[0]))
    changed = False
    for col, width in sorted(widths.items()):
        at = next((i for i, (lo, hi, _) in enumerate(entries) if lo <= col <= hi), None)
        if at is None:
            entries.append((col, col, b"<%scol min=\"%d\" max=\"%d\" width=\"%s\" customWidth=\"1\"/>"
                            % (p, col, col, _number(width))))
            changed = True
            continue
        lo, hi, tag = entries[at]
        a = attrs(tag)
        try:
            now = float(a.get(b"width", b"0"))
        except ValueError:
            now = 0
        if a.get(b"customWidth") in (b"1", b"true") and now >= width:
            continue
        mine = set_attr(set_attr(set_attr(set_attr(tag, b"min", b"%d" % col), b"max", b"%d" % col),
                                 b"width", _number(width)), b"customWidth", b"1")
        pieces = [(lo, col - 1, set_attr(tag, b"max", b"%d" % (col - 1)))] if lo < col else []
        pieces.append((col, col, mine))
        if col < hi:
            pieces.append((col + 1, hi, set_attr(tag, b"min", b"%d" % (col + 1))))
        entries[at:at + 1] = pieces
        changed = True
    if not changed:
        return head
    block = b"<" + p + b"cols>" + b"".join(t for _, _, t in sorted(entries, key=lambda e: e[0])) \
        + b"</" + p + b"cols>"
    if opened and not opened[2]:
        end = head.find(b"</" + p + b"cols>", opened.end()) + len(p) + 7
        return head[:opened.start()] + block + head[end:]
    if opened:  # <cols/>
        return head[:opened.start()] + block + head[opened.end():]
    return head + block  # the head ends where <sheetData> starts, which <cols> precedes


def dress_tail(tail: bytes, p: bytes, look: ColumnLook, dxfs: list[int]) -> bytes:
    """The part after `</sheetData>` with the autofilter extended over the owned columns and
    the status column's conditional formats (differential styles `dxfs`, one per colour)."""
    cols = sorted(look.headers)
    found = next((start_tag(p, b"autoFilter").match(tail, start) for name, start, _ in
                  top_level(tail) if name == p + b"autoFilter"), None)
    if found:
        box = parse_range(attrs(found[1]).get(b"ref", b"").decode("ascii", "replace"))
        if box and box[0] == look.header_row and cols[0] - 1 <= box[3] < cols[-1]:
            ref = range_name((box[0], box[1], box[2], cols[-1])).encode()
            tail = tail[:found.start()] + set_attr(found[0], b"ref", ref) + tail[found.end():]
    if look.status_column is None:
        return tail
    letters = column_letters(look.status_column)
    tail, priorities = _without_ours(tail, p, look.status_column)
    if not look.colours or look.last_row <= look.header_row:
        return tail
    first = look.header_row + 1
    top = f"{letters}{first}"
    rules = b"".join(
        b'<%scfRule type="beginsWith" dxfId="%d" priority="%d" operator="beginsWith" text="%s">'
        b"<%sformula>LEFT(%s,%d)=%s</%sformula></%scfRule>"
        % (p, dxf, max(priorities, default=0) + i + 1, escape_attr(c.text), p, top.encode(),
           len(c.text), escape_attr('"' + c.text.replace('"', '""') + '"'), p, p)
        for i, (c, dxf) in enumerate(zip(look.colours, dxfs)))
    block = (b'<%sconditionalFormatting sqref="%s%d:%s%d">' % (p, letters.encode(), first,
                                                              letters.encode(), look.last_row)
             + rules + b"</%sconditionalFormatting>" % p)
    at = _before_any(tail, p, AFTER_FORMATS)
    return tail[:at] + block + tail[at:]


_FORMATS = re.compile(rb"<((?:\w+:)?)conditionalFormatting\b([^>]*)>.*?</\1conditionalFormatting>",
                      re.S)


def _without_ours(tail: bytes, p: bytes, col: int) -> tuple[bytes, list[int]]:
    """The tail without the conditional formats inside column `col` (sheetsales' own), and the
    priorities of the others."""
    priorities, out, done = [], [], 0
    for name, start, _ in top_level(tail):
        m = _FORMATS.match(tail, start) if name == p + b"conditionalFormatting" else None
        if m is None:
            continue
        boxes = [parse_range(r) for r in attrs(m[2]).get(b"sqref", b"").decode(
            "ascii", "replace").split()]
        if boxes and all(b and b[1] == b[3] == col for b in boxes):
            out.append(tail[done:m.start()])
            done = m.end()
        else:
            priorities += [int(n) for n in re.findall(rb'priority="(\d+)"', m[0])]
    out.append(tail[done:])
    return b"".join(out), priorities


_TAG = re.compile(rb"<(/?)([\w.:-]+)(?:" + ATTR + rb")*\s*(/?)>|<!--.*?-->|<\?.*?\?>", re.S)


def top_level(tail: bytes) -> list[tuple[bytes, int, int]]:
    """(name with prefix, start, end) of the worksheet's children in the part after
    </sheetData> (an extension list's inner elements are not among them)."""
    found, depth, start = [], 0, 0
    for m in _TAG.finditer(tail):
        if m[2] is None:
            continue  # a comment or processing instruction
        if m[1]:
            if depth == 0 and m[2].endswith(b"sheetData"):
                continue  # the tail starts with it
            depth -= 1
            if depth == 0:
                found.append((m[2], start, m.end()))
            elif depth < 0:
                break  # </worksheet>
        elif m[3]:
            if depth == 0:
                found.append((m[2], m.start(), m.end()))
        else:
            if depth == 0:
                start = m.start()
            depth += 1
    return found


def _before_any(tail: bytes, p: bytes, names) -> int:
    """Where an element goes that precedes each of `names`: before the first one present."""
    wanted = {p + name for name in names}
    places = [start for name, start, _ in top_level(tail) if name in wanted]
    return min(places) if places else tail.rfind(b"</" + p + b"worksheet>")


def header_style(content: bytes, p: bytes, first_owned: int) -> int | None:
    """The style of the user's header cell nearest left of the owned columns, in a row's
    content; None when no cell there has one."""
    best, best_col = None, 0
    for m in re.finditer(rb'<' + re.escape(p) + rb'c\b([^>]*?)/?>', content):
        a = attrs(m[1])
        ref = a.get(b"r", b"")
        letters = re.match(rb"[A-Z]+", ref)
        if not letters or not a.get(b"s", b"").isdigit():
            continue
        col = column_number(letters[0].decode())
        if best_col < col < first_owned:
            best, best_col = int(a[b"s"]), col
    return best
