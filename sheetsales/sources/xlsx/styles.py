"""Styles for written cells, appended to xl/styles.xml without altering what is there: date
formats, the look of sheetsales' own sheets (a bold, filled header; number formats) and the
differential styles of its conditional formats.

A date needs a date number format. When the cell's base style (its own, its row's or its
column's) already shows dates it is kept; otherwise the base `<xf>` is cloned byte for byte
with `numFmtId` pointing at a custom `yyyy-mm-dd` (or `yyyy-mm-dd hh:mm:ss`) format, and the
clone is appended to `<cellXfs>`. Existing entries are never edited (only the `count`
attributes of `<cellXfs>` and `<numFmts>` follow the appended entries), and an identical clone
or format from an earlier run is reused, so repeated runs do not grow the file. Fonts, fills
and differential styles (`<dxf>`) are appended the same way (list.py's AppendedList).
"""

import re

from ...core.errors import WriteConflict
from .ooxml import attrs, element_prefix, escape_attr, parse_xml, set_attr, start_tag
from .appended import AppendedList

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MAX_XFS = 64_000  # Excel's limit on cell formats
_BUILTIN_DATE_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]|_.|\*.')


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time."""
    code = _NOT_DATE_PARTS.sub("", code.split(";")[0]).lower()
    return code != "general" and bool(re.search(r"[ymdhs]", code.replace("general", "")))


class StyleSheet:
    """xl/styles.xml, with date styles appended on demand."""

    def __init__(self, xml: bytes, where: str):
        self.xml = xml
        self.where = where
        root = parse_xml(xml, where)
        self.p = element_prefix(xml, b"styleSheet")
        numfmts = root.find("{*}numFmts")
        self._format_count = 0 if numfmts is None else len(numfmts.findall("{*}numFmt"))
        self.formats = {}  # the workbook's custom formats, id -> code
        for el in [] if numfmts is None else numfmts.iterfind("{*}numFmt"):
            if (el.get("numFmtId") or "").isdigit():
                self.formats[int(el.get("numFmtId"))] = el.get("formatCode") or ""
        self._format_ids = {int(el.get("numFmtId")) for el in root.iter("{*}numFmt")
                            if (el.get("numFmtId") or "").isdigit()}  # incl. those in dxfs
        self._xfs_open = start_tag(self.p, b"cellXfs").search(xml)
        self.xfs = self._read_xfs() if self._xfs_open else []
        self.added_xfs: list[bytes] = []
        self.added_formats: list[tuple[int, str]] = []
        self._cache: dict[tuple[int, bool], int] = {}
        self.lists = {name: AppendedList(self.xml, self.p, name, child) for name, child in
                      ((b"fonts", b"font"), (b"fills", b"fill"), (b"dxfs", b"dxf"))}

    def _read_xfs(self) -> list[bytes]:
        if self._xfs_open[2]:
            return []
        end = self.xml.find(b"</" + self.p + b"cellXfs>", self._xfs_open.end())
        body = self.xml[self._xfs_open.end():end]
        xf = re.compile(start_tag(self.p, b"xf").pattern + b"(?:(?<=/>)|.*?</" + re.escape(self.p)
                        + b"xf>)", re.S)
        return [m[0] for m in xf.finditer(body)]

    @property
    def changed(self) -> bool:
        return bool(self.added_xfs) or any(a.added for a in self.lists.values())

    def cell_style(self, bold: bool = False, size: float | None = None, fill: str | None = None,
                   number_format: int | str | None = None) -> int:
        """A cell format like the workbook's default (its first `<xf>` and font) with a bold
        or larger font, a solid fill (RRGGBB) or a number format (a built-in id or a code)."""
        if not self.xfs:
            raise WriteConflict(f"{self.where} has no cell formats; open and re-save the "
                                "workbook in Excel and run again")
        tag_end = self.xfs[0].index(b">") + 1
        tag, rest = self.xfs[0][:tag_end], self.xfs[0][tag_end:]
        if bold or size:
            tag = set_attr(set_attr(tag, b"fontId", b"%d" % self._font(bold, size)),
                           b"applyFont", b"1")
        if fill:
            tag = set_attr(set_attr(tag, b"fillId", b"%d" % self._fill(fill)), b"applyFill", b"1")
        if number_format is not None:
            fmt = number_format if isinstance(number_format, int) else \
                self._custom_format(number_format)
            tag = set_attr(set_attr(tag, b"numFmtId", b"%d" % fmt), b"applyNumberFormat", b"1")
        return self._add_xf(tag + rest)

    def differential(self, font: str | None, fill: str | None) -> int:
        """The index of a `<dxf>` with that font colour and fill (RRGGBB), for conditional
        formats; appended unless the workbook has it already."""
        p = self.p
        font_xml = b"<%sfont><%scolor rgb=\"FF%s\"/></%sfont>" % (p, p, font.encode(), p) \
            if font else b""
        fill_xml = (b"<%sfill><%spatternFill><%sbgColor rgb=\"FF%s\"/></%spatternFill></%sfill>"
                    % (p, p, p, fill.encode(), p, p)) if fill else b""
        return self.lists[b"dxfs"].index_of(b"<%sdxf>%s%s</%sdxf>" % (p, font_xml, fill_xml, p))

    def _font(self, bold: bool, size: float | None) -> int:
        fonts = self.lists[b"fonts"]
        base = fonts.items[0] if fonts.items else b"<%sfont></%sfont>" % (self.p, self.p)
        dropped = b"|".join(n for n, on in ((b"b", bold), (b"sz", size)) if on)
        base = re.sub(rb"<(?:\w+:)?(?:" + dropped + rb")\b[^>]*/>", b"", base)
        opened = base.index(b">") + 1
        extra = (b"<%sb/>" % self.p if bold else b"") + \
            (b"<%ssz val=\"%s\"/>" % (self.p, str(size).encode()) if size else b"")
        return fonts.index_of(base[:opened] + extra + base[opened:])

    def _fill(self, rgb: str) -> int:
        p = self.p
        return self.lists[b"fills"].index_of(
            b"<%sfill><%spatternFill patternType=\"solid\"><%sfgColor rgb=\"FF%s\"/><%sbgColor "
            b"indexed=\"64\"/></%spatternFill></%sfill>" % (p, p, p, rgb.encode(), p, p, p))

    def _custom_format(self, code: str) -> int:
        for fmt_id, existing in self.formats.items():
            if existing == code and fmt_id >= 164:
                return fmt_id
        fmt_id = max([163, *self._format_ids, *self.formats]) + 1
        self.formats[fmt_id] = code
        self.added_formats.append((fmt_id, code))
        return fmt_id

    def _add_xf(self, xf: bytes) -> int:
        every = self.xfs + self.added_xfs
        if xf in every:
            return every.index(xf)
        if len(every) >= MAX_XFS:
            raise WriteConflict(f"{self.where} already holds Excel's maximum of {MAX_XFS} cell "
                                "formats; remove unused styles and run again")
        self.added_xfs.append(xf)
        return len(every)

    def _format_id(self, xf: bytes) -> int:
        value = attrs(xf[:xf.index(b">") + 1]).get(b"numFmtId", b"0")
        return int(value) if value.isdigit() else 0

    def is_date(self, style: int) -> bool:
        xfs = self.xfs + self.added_xfs
        if not 0 <= style < len(xfs):
            return False
        fmt = self._format_id(xfs[style])
        custom = self.formats.get(fmt)
        return fmt in _BUILTIN_DATE_IDS or (custom is not None and is_date_format(custom))

    def date_style(self, base: int, with_time: bool, like: int | None = None,
                   shown: str | None = None) -> int:
        """A style showing dates that otherwise looks like `base` (appended when needed), in
        the date format of style `like` (the column's own date cells: date_looks.py) when
        given, else in the format `shown` (the date's own: cells.ShownDate), else
        yyyy-mm-dd."""
        key = (base, with_time, like, shown)
        if key not in self._cache:
            xfs = self.xfs + self.added_xfs
            self._cache[key] = base if self.is_date(base) else \
                self._clone(base, self._format_id(xfs[like])) if like is not None else \
                self._clone(base, self._custom_format(shown)) if shown else \
                self._clone(base, self._date_format(with_time))
        return self._cache[key]

    def _date_format(self, with_time: bool) -> int:
        return self._custom_format(DATETIME_FORMAT if with_time else DATE_FORMAT)

    def _clone(self, base: int, fmt_id: int) -> int:
        if not self.xfs:
            raise WriteConflict(f"{self.where} has no cell formats, so dates cannot be shown as "
                                "dates; open and re-save the workbook in Excel and run again")
        source = self.xfs[base] if 0 <= base < len(self.xfs) else self.xfs[0]
        tag_end = source.index(b">") + 1
        tag = set_attr(source[:tag_end], b"numFmtId", str(fmt_id).encode())
        return self._add_xf(set_attr(tag, b"applyNumberFormat", b"1") + source[tag_end:])

    def to_bytes(self) -> bytes:
        """styles.xml with the appended entries (the original bytes when nothing was added)."""
        xml = self.xml
        for appended in self.lists.values():  # fonts, fills, dxfs: none moves cellXfs' start
            xml = appended.apply(xml)
        if not self.added_xfs:
            return self._with_formats(xml)
        p = self.p
        opened = start_tag(p, b"cellXfs").search(xml)
        total = str(len(self.xfs) + len(self.added_xfs)).encode()
        end = xml.find(b"</" + p + b"cellXfs>", opened.end())
        xml = (xml[:opened.start()] + set_attr(opened[0], b"count", total)
               + xml[opened.end():end] + b"".join(self.added_xfs) + xml[end:])
        return self._with_formats(xml)

    def _with_formats(self, xml: bytes) -> bytes:
        if not self.added_formats:
            return xml
        p = self.p
        new = b"".join(b"<" + p + b'numFmt numFmtId="' + str(i).encode() + b'" formatCode="'
                       + escape_attr(code) + b'"/>' for i, code in self.added_formats)
        close = b"</" + p + b"numFmts>"
        total = str(self._format_count + len(self.added_formats)).encode()
        opened = start_tag(p, b"numFmts").search(xml)
        if opened is None:  # numFmts is the first child of styleSheet
            root = start_tag(p, b"styleSheet").search(xml)
            block = b"<" + p + b'numFmts count="' + total + b'">' + new + close
            return xml[:root.end()] + block + xml[root.end():]
        tag = set_attr(opened[0], b"count", total)
        if opened[2]:
            tag = tag[:-2].rstrip() + b">" + new + close
            return xml[:opened.start()] + tag + xml[opened.end():]
        end = xml.find(close, opened.end())
        return xml[:opened.start()] + tag + xml[opened.end():end] + new + xml[end:]
