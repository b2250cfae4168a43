"""The workbook part of the surgical writer: sheets, the date system, sheetsales' ownership
marker and names, cell ranges it must not write into, and the edits that add a sheet.

Ownership marker: a hidden, sheet-scoped defined name in xl/workbook.xml,
`<definedName name="_sheetsales_owned" localSheetId="N" hidden="1">'Reminders'!$A$1</definedName>`.
Excel keeps hidden names and renumbers `localSheetId` when sheets are moved, renamed or
deleted, so the mark follows its sheet through re-saves; a user's sheet of the same title
never carries it. Edits are byte insertions: the rest of each part keeps its bytes.
docProps/app.xml is left alone: its sheet list (TitlesOfParts) is informational, Excel
rewrites it on every save, and no reader uses it to find sheets, while editing it risks
breaking its counted vectors.

Other hidden, sheet-scoped names starting `_sheetsales_` (e.g. the record of which columns
sheetsales owns) are set, replaced or removed through `set_name`; no other name is touched.
"""

import posixpath
import re
from dataclasses import dataclass

from lxml import etree

from ...core.cells import utf16_len
from ...core.errors import SourceError, WriteConflict
from .ooxml import (ATTR, NS_MAIN, NS_R, NS_R_STRICT, NS_STRICT, SourcePackage, attrs,
                    element_prefix, escape_attr, insert_before_close, parse_xml, rels_part,
                    start_tag)
from .cells import parse_range

OWNED_NAME = "_sheetsales_owned"
REL_WORKSHEET = NS_R + "/worksheet"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_BAD_TITLE_CHARS = set("[]:*?/\\")
_OUR_NAME = re.compile(r"_sheetsales_[A-Za-z0-9_.]+", re.IGNORECASE)
_LOCAL_REF = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]*(?::\$?[A-Z]{1,3}\$?[0-9]*)?|\$?[0-9]+:\$?[0-9]+")
# the part of an added sheet, before its cells are written in
NEW_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             b'<dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
             b'<sheetFormatPr defaultRowHeight="15"/><sheetData/>'
             b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
             b'footer="0.3"/></worksheet>')
_STRICT_HINT = ("is saved as Strict Open XML, which sheetsales does not write; save it in Excel "
                "as 'Excel Workbook (*.xlsx)' and run again")


@dataclass
class Sheet:
    title: str
    index: int  # position in <sheets>, which localSheetId counts
    sheet_id: int
    part: str | None  # zip part of the sheet's XML
    kind: str  # the relationship type's last word: worksheet, chartsheet, ...


def check_title(title: str):
    """Refuse a sheet title Excel would not accept (its 31 characters are UTF-16 units)."""
    bad = sorted(set(title) & _BAD_TITLE_CHARS)
    if not title.strip() or utf16_len(title) > 31 or bad or title[0] == "'" or title[-1] == "'" \
            or title.lower() == "history":
        raise WriteConflict(f"{title!r} cannot be a sheet name: Excel needs 1-31 characters, "
                            "none of [ ] : * ? / \\, no leading or trailing apostrophe, and not "
                            "'History'; choose another name")


class Book:
    """xl/workbook.xml and the parts listing its sheets, with pending sheet additions."""

    def __init__(self, pkg: SourcePackage):
        self.pkg = pkg
        office = [r for r in pkg.rels("") if r.kind == "officeDocument"]
        if not office:
            raise SourceError(f"{pkg.name} has no workbook part; it is not an Excel workbook")
        if office[0].type.startswith(NS_R_STRICT):
            raise WriteConflict(f"{pkg.name} {_STRICT_HINT}")
        self.part = office[0].target
        self.xml = pkg.read(self.part)
        root = parse_xml(self.xml, f"{pkg.name}: {self.part}")
        namespace = etree.QName(root).namespace
        if namespace == NS_STRICT:
            raise WriteConflict(f"{pkg.name} {_STRICT_HINT}")
        if namespace != NS_MAIN or etree.QName(root).localname != "workbook":
            raise SourceError(f"{pkg.name} is not a spreadsheet (its main part is {root.tag}); "
                              "give sheetsales an .xlsx or .xlsm workbook")
        self.p = element_prefix(self.xml, b"workbook")
        self.r_prefix = next((k for k, v in root.nsmap.items() if v == NS_R and k), None)
        pr = root.find(f"{{{NS_MAIN}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        protection = root.find(f"{{{NS_MAIN}}}workbookProtection")
        self.structure_locked = protection is not None and \
            protection.get("lockStructure", "").lower() in ("1", "true")
        self.rels = pkg.rels(self.part)
        by_id = {r.id: r for r in self.rels}
        self.sheets = []
        for i, el in enumerate(root.iterfind(f"{{{NS_MAIN}}}sheets/{{{NS_MAIN}}}sheet")):
            rel = by_id.get(el.get(f"{{{NS_R}}}id"))
            sheet_id = el.get("sheetId", "")
            self.sheets.append(Sheet(el.get("name", ""), i,
                                     int(sheet_id) if sheet_id.isdigit() else 0,
                                     rel.target if rel and not rel.external else None,
                                     rel.kind if rel else "missing"))
        self.names: dict[str, dict[int | None, str]] = {}  # name -> {localSheetId: text}
        for el in root.iterfind(f"{{{NS_MAIN}}}definedNames/{{{NS_MAIN}}}definedName"):
            scope = el.get("localSheetId") or ""
            self.names.setdefault((el.get("name") or "").lower(), {})[
                int(scope) if scope.isdigit() else None] = el.text or ""
        self.markers = {i for i in self.names.get(OWNED_NAME.lower(), {}) if i is not None}
        self.name_edits: dict[tuple[str, int], tuple[str, Sheet, str | None]] = {}
        styles = [r for r in self.rels if r.kind == "styles"]
        self.styles_part = styles[0].target if styles and pkg.find(styles[0].target) else None
        self.added: list[Sheet] = []

    def sheet(self, title: str) -> Sheet | None:
        """The sheet of that title (exact, else case-insensitive as Excel compares titles)."""
        exact = [s for s in self.sheets + self.added if s.title == title]
        loose = [s for s in self.sheets + self.added if s.title.lower() == title.lower()]
        return (exact or loose or [None])[0]

    def owned(self, sheet: Sheet) -> bool:
        return sheet.index in self.markers

    def blocked_ranges(self, sheet: Sheet) -> list[tuple[tuple[int, int, int, int], str]]:
        """Ranges of a sheet that sheetsales never writes into: Excel tables and pivot tables."""
        found = []
        for rel in self.pkg.rels(sheet.part):
            if rel.external or rel.kind not in ("table", "pivotTable"):
                continue
            if not self.pkg.find(rel.target):
                continue
            root = parse_xml(self.pkg.read(rel.target), f"{self.pkg.name}: {rel.target}")
            if rel.kind == "table":
                ref = root.get("ref")
                what = f"Excel table {root.get('displayName') or root.get('name')!r}"
            else:
                loc = root.find("{*}location")
                ref = None if loc is None else loc.get("ref")
                what = f"pivot table {root.get('name')!r}"
            box = parse_range(ref or "")
            if box:
                found.append((box, what))
        return found

    def add_sheet(self, title: str) -> Sheet:
        """Plan a new worksheet appended after the last sheet, marked as sheetsales' own."""
        check_title(title)
        if self.structure_locked:
            raise WriteConflict(f"{self.pkg.name} has a protected workbook structure, so no "
                                f"sheet {title!r} can be added; unprotect the workbook (Review > "
                                "Protect Workbook) and run again")
        taken = {i.filename.lower() for i in self.pkg.infos} | \
            {s.part.lower() for s in self.added if s.part}
        folder = posixpath.dirname(self.part)
        n = len(self.sheets) + len(self.added) + 1
        while posixpath.join(folder, f"worksheets/sheet{n}.xml").lower() in taken:
            n += 1
        sheet_id = max([s.sheet_id for s in self.sheets + self.added] + [0]) + 1
        sheet = Sheet(title, len(self.sheets) + len(self.added), sheet_id,
                      posixpath.join(folder, f"worksheets/sheet{n}.xml"), "worksheet")
        self.added.append(sheet)
        return sheet

    def set_name(self, sheet: Sheet, name: str, ref: str | None):
        """Plan the hidden name `name`, scoped to `sheet`, referring to `ref` on it (e.g.
        "$Q:$Q"); None removes it. Only sheetsales' own `_sheetsales_...` names are managed."""
        if not _OUR_NAME.fullmatch(name) or name.lower() == OWNED_NAME.lower():
            raise ValueError(f"{name!r} is not a name sheetsales manages: use _sheetsales_<word>")
        if ref is not None and not _LOCAL_REF.fullmatch(ref):
            raise ValueError(f"{ref!r} is not a reference like '$Q:$Q' or '$A$1:$B$9'")
        text = None if ref is None else f"{_quote_title(sheet.title)}!{ref}"
        if self.names.get(name.lower(), {}).get(sheet.index) != text:
            self.name_edits[(name.lower(), sheet.index)] = (name, sheet, text)

    def _apply_names(self, xml: bytes) -> bytes:
        p, pending = self.p, dict(self.name_edits)
        element = re.compile(b"<" + re.escape(p) + b"definedName((?:" + ATTR + rb")*)\s*(?:/>|>"
                             rb"(.*?)</" + re.escape(p) + b"definedName>)", re.S)

        def replace(m):
            a = attrs(m[1])
            scope = a.get(b"localSheetId", b"")
            key = (a.get(b"name", b"").decode("utf-8", "replace").lower(),
                   int(scope) if scope.isdigit() else None)
            if key not in pending:
                return m[0]
            name, sheet, text = pending.pop(key)
            return b"" if text is None else self._name_element(name, sheet, text)

        xml = element.sub(replace, xml)
        new = b"".join(self._name_element(name, sheet, text)
                       for name, sheet, text in pending.values() if text is not None)
        return _add_defined_names(xml, p, new) if new else xml

    def _name_element(self, name: str, sheet: Sheet, text: str) -> bytes:
        return (b"<" + self.p + b'definedName name="' + name.encode() + b'" localSheetId="'
                + str(sheet.index).encode() + b'" hidden="1">' + escape_attr(text)
                + b"</" + self.p + b"definedName>")

    def _rel_ids(self) -> list[str]:
        used = {r.id for r in self.rels}
        ids, n = [], 1
        for _ in self.added:
            while f"rId{n}" in used:
                n += 1
            used.add(f"rId{n}")
            ids.append(f"rId{n}")
        return ids

    def edited_parts(self) -> dict[str, bytes]:
        """The new bytes of the parts that change: workbook.xml when sheets or names were
        added, and its rels and [Content_Types].xml when sheets were."""
        parts = self._sheet_parts() if self.added else {self.part: self.xml}
        if self.name_edits:
            parts[self.part] = self._apply_names(parts[self.part])
        return {name: data for name, data in parts.items()
                if name != self.part or data != self.xml}

    def _sheet_parts(self) -> dict[str, bytes]:
        ids = self._rel_ids()
        p = self.p
        r_attr = (self.r_prefix.encode() + b":id" if self.r_prefix
                  else b'xmlns:r="' + NS_R.encode() + b'" r:id')
        sheets = b"".join(b"<" + p + b'sheet name="' + escape_attr(s.title) + b'" sheetId="'
                          + str(s.sheet_id).encode() + b'" ' + r_attr + b'="' + rid.encode()
                          + b'"/>' for s, rid in zip(self.added, ids))
        names = b"".join(self._name_element(OWNED_NAME, s, f"{_quote_title(s.title)}!$A$1")
                         for s in self.added)
        workbook = insert_before_close(self.xml, p, b"sheets", sheets)
        if workbook is None:
            raise SourceError(f"{self.pkg.name}: {self.part} lists no sheets; open and re-save "
                              "it in Excel and run again")
        workbook = _add_defined_names(workbook, p, names)
        rels_name = rels_part(self.part)
        rels_xml = self.pkg.read(rels_name)
        content_types = self.pkg.read("[Content_Types].xml")
        rp = element_prefix(rels_xml, b"Relationships")
        folder = posixpath.dirname(self.part)
        rels = b"".join(b"<" + rp + b'Relationship Id="' + rid.encode() + b'" Type="'
                        + REL_WORKSHEET.encode() + b'" Target="'
                        + escape_attr(posixpath.relpath(s.part, folder)) + b'"/>'
                        for s, rid in zip(self.added, ids))
        cp = element_prefix(content_types, b"Types")
        overrides = b"".join(b"<" + cp + b'Override PartName="/' + escape_attr(s.part)
                             + b'" ContentType="' + CT_WORKSHEET.encode() + b'"/>'
                             for s in self.added)
        return {self.part: workbook,
                rels_name: insert_before_close(rels_xml, rp, b"Relationships", rels),
                "[Content_Types].xml": insert_before_close(content_types, cp, b"Types",
                                                           overrides)}


def _quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _add_defined_names(xml: bytes, p: bytes, names: bytes) -> bytes:
    """Append defined names, creating <definedNames> in its schema place when absent."""
    close = b"</" + p + b"definedNames>"
    opened = start_tag(p, b"definedNames").search(xml)
    if opened and not opened[2]:
        return insert_before_close(xml, p, b"definedNames", names)
    if opened:  # an empty <definedNames/>
        return xml[:opened.start()] + opened[0][:-2].rstrip() + b">" + names + close \
            + xml[opened.end():]
    block = b"<" + p + b"definedNames>" + names + close
    for previous in (b"externalReferences", b"functionGroups", b"sheets"):
        found = list(start_tag(p, previous).finditer(xml))
        if found:
            last = found[-1]
            end = last.end() if last[2] else \
                xml.find(b"</" + p + previous + b">", last.end()) + len(p) + len(previous) + 3
            return xml[:end] + block + xml[end:]
    raise SourceError("the workbook part has no <sheets> element; open and re-save it in Excel")
