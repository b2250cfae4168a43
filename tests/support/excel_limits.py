"""An independent check that a workbook stays within Excel's limits, read from its XML (so a
million-row sheet is scanned in seconds): rows, columns, cell text in UTF-16 units, sheet
names, hyperlinks per sheet and their length, cell formats. Returns what is over; [] is
clean."""

import html
import re
import zipfile

MAX_ROW, MAX_COL, MAX_TEXT = 1_048_576, 16_384, 32_767
MAX_LINKS, MAX_LINK_LENGTH, MAX_XFS = 65_530, 2_079, 64_000
_ROW = re.compile(rb'<(?:\w+:)?row [^>]*?r="(\d+)"')
_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)\d+"')
_LONG_TEXT = re.compile(rb"<(?:\w+:)?t(?: [^>]*)?>([^<]{32768,})</")
_LINK = re.compile(rb"<(?:\w+:)?hyperlink ")
_SHEET = re.compile(rb'<(?:\w+:)?sheet [^>]*?name="([^"]*)"')
_XFS = re.compile(rb'<(?:\w+:)?cellXfs count="(\d+)"')
_BAD_NAME = set("[]:*?/\\")


def _column(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def excel_limits(path) -> list[str]:
    over = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for name in (n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            data = z.read(name)
            rows = [int(r) for r in _ROW.findall(data)]
            if rows and max(rows) > MAX_ROW:
                over.append(f"{name}: row {max(rows)}")
            widest = max((len(r) for r in set(_REF.findall(data))), default=0)
            if widest > 3 or any(_column(r) > MAX_COL for r in set(_REF.findall(data))
                                 if len(r) == 3):
                over.append(f"{name}: a column past XFD")
            for text in _LONG_TEXT.findall(data):
                units = _units(re.sub("_x[0-9A-Fa-f]{4}_", "?", html.unescape(text.decode())))
                if units > MAX_TEXT:
                    over.append(f"{name}: a text of {units} units")
            if len(_LINK.findall(data)) > MAX_LINKS:
                over.append(f"{name}: {len(_LINK.findall(data))} hyperlinks")
        for name in (n for n in names if n.startswith("xl/worksheets/_rels/")):
            for target in re.findall(rb'Target="([^"]*)"', z.read(name)):
                if len(target) > MAX_LINK_LENGTH:
                    over.append(f"{name}: a link of {len(target)} characters")
        for title in _SHEET.findall(z.read("xl/workbook.xml")):
            title = title.decode("utf-8")
            if not 1 <= _units(title) <= 31 or set(title) & _BAD_NAME or title[0] == "'":
                over.append(f"sheet name {title!r}")
        if "xl/styles.xml" in names:
            count = _XFS.search(z.read("xl/styles.xml"))
            if count and int(count[1]) > MAX_XFS:
                over.append(f"{count[1].decode()} cell formats")
    return over
