"""The surgical writer on every workbook of the shared corpus, and LibreOffice as an
independent reader of what it wrote.

Each corpus workbook gets a few cells two columns right of its first worksheet's used range
(rows 1-5), dressed as sheetsales dresses its status column (a width, the user's header
style, an autofilter reaching it, colours as conditional formats), and a sheetsales-owned
Reminders sheet with its look (styled header, widths, a link). A patched workbook must
differ only by those writes; a refused one must be refused with SourceError/WriteConflict and
left byte-identical.
"""

import collections
import csv
import datetime as dt
import difflib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from shared_data import shared_dir
from sheetsales.core.cells import column_letters as col_letters
from sheetsales.core.cells import column_number as col_number
from sheetsales.core.errors import SourceError, WriteConflict
from sheetsales.plan.columns import status_colours
from sheetsales.sources.base import Chart, ColumnLook, SheetLook
from sheetsales.sources.xlsx.writer import write_xlsx
from libreoffice import read_csv, soffice, to_csv
from test_xlsx_writer import deals_workbook, grid, part, raw_entries, split_sheet, without_cells

WRITTEN = ["sheetsales \u2713 <&> ", 12345.5, dt.date(2026, 3, 4), "=SUM(A1:A2)", True]
REMINDERS = [["Owner", "Deal ID", "Due"], ["Ann", "D-1", dt.date(2026, 1, 2)],
             ["Bob", "D-2", dt.date(2026, 1, 3)]]
KNOWN_REFUSALS = {"Strict Open XML": "strict OOXML",
                  "protected workbook structure": "workbook structure protected"}
RESULTS: dict[str, str] = {}  # file -> "patched" or the refusal reason
# the elements a look may add to xl/styles.xml: fonts (copies of the first, made bold or
# larger, so any of a font's children), fills and differential styles
STYLE_INSERTIONS = {b"xf", b"numFmt", b"numFmts", b"alignment", b"protection", b"font", b"b",
                    b"sz", b"name", b"family", b"scheme", b"color", b"charset", b"i", b"u",
                    b"strike", b"vertAlign", b"outline", b"shadow", b"condense", b"extend",
                    b"fill", b"patternFill", b"fgColor", b"bgColor", b"dxf", b"dxfs", b"fonts",
                    b"fills"}


SUMMARY = [["Stage", "Amount"], ["Lead", 10.5], ["Won", 20]]
SUMMARY_LOOK = SheetLook(header_row=None, titles=(1,), formats={(2, 2): "#,##0"},
                         charts=(Chart("Amount by stage", "Amount", (2, 3), 1, 2, "2F6EB5",
                                       (3, 0)),), freeze=False, autofilter=False)


def looks(title: str, col: int, header_row: int = 1) -> dict:
    """The looks every corpus write carries: {"looks": ..., "columns": ...}."""
    quoted = title.replace("'", "''")
    return {"looks": {"Reminders": SheetLook(widths={1: 12.0, 4: 30.0},
                                             links={(2, 2): f"'{quoted}'!A1"}),
                      "Summary": SUMMARY_LOOK},
            "columns": {title: ColumnLook(header_row, {col: "sheetsales"}, {col: 24.0}, 5, col,
                                          status_colours({}))}}


def corpus_files() -> list[str]:
    base = shared_dir()
    manifest = base / "xlsx-corpus" / "MANIFEST.csv" if base else None
    if manifest is None or not manifest.exists():
        return ["corpus-absent"]
    with open(manifest, newline="", encoding="utf-8") as f:
        return [row["file"] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def corpus(shared) -> Path:
    folder = shared / "xlsx-corpus"
    if not (folder / "MANIFEST.csv").exists():
        pytest.fail(f"{folder}/MANIFEST.csv is missing")
    return folder


def first_worksheet(path: Path) -> tuple[str, str] | None:
    """(title, part) of the first worksheet, read with lxml, independently of the writer."""
    with zipfile.ZipFile(path) as z:
        names = {n.lower(): n for n in z.namelist()}
        root_rels = etree.fromstring(z.read("_rels/.rels"))
        wb_part = next(r.get("Target") for r in root_rels
                       if r.get("Type", "").endswith("/officeDocument")).lstrip("/")
        folder = wb_part.rsplit("/", 1)[0]
        wb = etree.fromstring(z.read(names[wb_part.lower()]))
        rels = etree.fromstring(z.read(f"{folder}/_rels/{wb_part.rsplit('/', 1)[1]}.rels"))
        targets = {r.get("Id"): (r.get("Type"), r.get("Target")) for r in rels}
        for sheet in wb.iter("{*}sheet"):
            rid = next(v for k, v in sheet.attrib.items() if k.endswith("}id"))
            kind, target = targets[rid]
            if kind.endswith("/worksheet"):
                target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
                return sheet.get("name"), names.get(target.lower(), target)
    return None


def last_used_column(sheet_xml: bytes) -> int:
    """The rightmost column holding a cell, a merge or the dimension, implicit positions counted."""
    root = etree.fromstring(sheet_xml, etree.XMLParser(huge_tree=True))
    last = 0
    for row in root.iter("{*}row"):
        col = 0
        for cell in row.iter("{*}c"):
            ref = cell.get("r")
            col = col_number(re.match(r"[A-Z]+", ref)[0]) if ref else col + 1
            last = max(last, col)
    for el in [*root.iter("{*}mergeCell"), *root.iter("{*}dimension")]:
        for letters in re.findall(r"([A-Z]+)\d+", el.get("ref", "")):
            last = max(last, col_number(letters))
    return last


def only_insertions(before: bytes, after: bytes, allowed: set[bytes]):
    """`after` is `before` plus inserted elements named in `allowed` (and `count` updates)."""
    def tokens(data: bytes) -> list[bytes]:
        data = re.sub(rb"<((?:\w+:)?(?:dxfs|fonts|fills|numFmts|definedNames))\b([^>]*?)\s*/>",
                      rb"<\1\2></\1>", data)  # an empty list that gains entries opens up
        return [re.sub(rb'\scount="\d+"', b' count=""', t) for t in re.split(rb"(?<=>)", data)]

    old, new = tokens(before), tokens(after)
    inserted = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), (op, old[i1:i2], new[j1:j2])
        inserted += new[j1:j2] if op == "insert" else []
    names = set(re.findall(rb"<(?:\w+:)?(\w+)", b"".join(inserted)))
    assert names <= allowed, f"unexpected insertion {b''.join(inserted)[:300]!r}"


_COLS = re.compile(rb"<(?:\w+:)?cols\b[^>]*?(?:/>|>.*?</(?:\w+:)?cols>)", re.S)
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*?)/?>")
_FORMATS = re.compile(rb"<conditionalFormatting\b[^>]*>.*?</conditionalFormatting>", re.S)


def column_attributes(head: bytes) -> dict[int, bytes]:
    """Column -> its <col> attributes (without min and max), for every column a <col> spans."""
    found = {}
    for m in _COL.finditer(b"".join(_COLS.findall(head))):
        low, high = (int(re.search(rb'\s' + k + rb'="(\d+)"', m[1])[1]) for k in (b"min", b"max"))
        rest = re.sub(rb'\s(?:min|max)="\d+"', b"", m[1]).strip()
        for c in range(low, min(high, 16384) + 1):
            found[c] = rest
    return found


def check_widths(before: bytes, after: bytes, col: int):
    """The head changes only in the <cols> of the written column, which gets a width."""
    assert _COLS.sub(b"", after) == _COLS.sub(b"", before)
    old, new = column_attributes(before), column_attributes(after)
    old.pop(col, None)
    assert b"width=" in new.pop(col), "the written column has a width"
    assert new == old, "a user's column width changed"


def check_dressed_tail(before: bytes, after: bytes, col: int):
    """The tail changes only by the written column's conditional formats and an autofilter
    reaching it."""
    letters = col_letters(col).encode()
    ours = [m for m in _FORMATS.findall(after) if re.search(rb'sqref="' + letters + rb'\d+:'
                                                           + letters + rb'\d+"', m)]
    assert len(ours) == 1 and b"dxfId=" in ours[0], ours
    after = after.replace(ours[0], b"")
    strip = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")[^"]*"')
    assert strip.sub(rb'\1"', after) == strip.sub(rb'\1"', before)


def check_appended_formats(before: bytes, after: bytes):
    """Every appended cell format is an existing one with a date number format, or the
    first one with a bold or larger font, a fill or a number format (sheetsales' looks)."""
    def xfs(styles: bytes) -> list[bytes]:
        block = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.S)[0]
        return re.findall(rb"<(?:\w+:)?xf\b[^>]*?/>|<(?:\w+:)?xf\b.*?</(?:\w+:)?xf>", block, re.S)

    def plain(xf: bytes) -> bytes:
        return re.sub(rb'\s(?:numFmtId|applyNumberFormat)="[^"]*"', b"", xf)

    def look(xf: bytes) -> bytes:
        return re.sub(rb'\s(?:numFmtId|applyNumberFormat|fontId|applyFont|fillId|applyFill)'
                      rb'="[^"]*"', b"", xf)

    old, new = xfs(before), xfs(after)
    assert new[:len(old)] == old
    for xf in new[len(old):]:
        if look(xf) == look(old[0]):
            continue  # the first format, made bold, filled or numbered: sheetsales' sheets
        assert plain(xf) in {plain(x) for x in old}, xf
        fmt = re.search(rb'numFmtId="(\d+)"', xf)[1]
        assert re.search(rb'<(?:\w+:)?numFmt numFmtId="' + fmt + rb'" formatCode="yyyy-mm-dd"/>',
                         after), fmt


def check_patched(original: Path, path: Path, title: str, sheet_part: str, col: int):
    before, after = raw_entries(original), raw_entries(path)
    names_after = list(after)
    assert names_after[:len(before)] == list(before), "entries keep their order"
    new_parts = names_after[len(before):]
    sheets = [n for n in new_parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    assert len(sheets) == 2, new_parts  # Reminders and Summary
    others = sorted(re.sub(r"\d+", "N", n) for n in new_parts if n not in sheets)
    assert others == ["xl/charts/chartN.xml", "xl/drawings/_rels/drawingN.xml.rels",
                      "xl/drawings/drawingN.xml", "xl/worksheets/_rels/sheetN.xml.rels"], others
    changed = {n for n in before if after[n] != before[n]}
    wb_part = "xl/workbook.xml"
    allowed = {sheet_part, wb_part, "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
               "xl/styles.xml"}
    assert changed <= allowed, f"changed beyond the allowed parts: {changed - allowed}"
    for name in changed - {sheet_part}:
        only_insertions(part(original, name), part(path, name),
                        {b"sheet", b"definedName", b"definedNames", b"Relationship", b"Override",
                         *STYLE_INSERTIONS})
    if "xl/styles.xml" in changed:
        check_appended_formats(part(original, "xl/styles.xml"), part(path, "xl/styles.xml"))

    old_head, old_rows, old_tail = split_sheet(part(original, sheet_part))
    new_head, new_rows, new_tail = split_sheet(part(path, sheet_part))
    check_widths(old_head, new_head, col)
    check_dressed_tail(old_tail, new_tail, col)
    refs = [f"{col_letters(col)}{r}" for r in range(1, 6)]
    for number, row in new_rows.items():
        if number > 5:
            assert row == old_rows[number], f"row {number} changed"
        elif number in old_rows:
            old = old_rows[number]
            if re.search(rb"<(?:\w+:)?c(?![^>]*\sr=)[\s>/]", old):  # cells without r
                row, old = (re.sub(rb'(<(?:\w+:)?c) r="[A-Z]+\d+"', rb"\1", x) for x in (row, old))
            assert without_cells(row, [refs[number - 1]]) == without_cells(old, []), number
        else:
            assert re.sub(rb"<(?:\w+:)?row\b[^>]*>|</(?:\w+:)?row>", b"", without_cells(
                row, [refs[number - 1]])).strip() in (b"", b"/>"), f"new row {number}"
    assert set(old_rows) <= set(new_rows)


def check_values(original: Path, path: Path, title: str, col: int):
    try:
        old_grid = CalamineWorkbook.from_path(str(original)).get_sheet_by_name(title).to_python(
            skip_empty_area=False)
    except Exception:  # calamine cannot read this workbook at all; nothing to compare
        return
    new_grid = grid(path, title)
    for r, expected in enumerate(WRITTEN):
        got = new_grid[r][col - 1]
        assert got == expected or (expected is True and got is True), (r, got)
    for r, row in enumerate(old_grid):
        assert new_grid[r][:len(row)] == row, f"row {r + 1} reads differently"
    assert grid(path, "Reminders") == REMINDERS
    assert grid(path, "Summary") == SUMMARY


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_workbook(corpus, name, tmp_path):
    original = corpus / name
    path = tmp_path / name
    shutil.copyfile(original, path)
    found = first_worksheet(original)
    assert found, "every corpus workbook has a worksheet"
    title, sheet_part = found
    col = last_used_column(part(original, sheet_part)) + 2
    cells = {(title, f"{col_letters(col)}{r}"): v for r, v in enumerate(WRITTEN, 1)}
    try:
        write_xlsx(path, cells, {"Reminders": REMINDERS, "Summary": SUMMARY},
                   **looks(title, col))
    except (SourceError, WriteConflict) as exc:
        assert path.read_bytes() == original.read_bytes(), "a refused workbook is left as it was"
        assert [p.name for p in tmp_path.iterdir()] == [name], "no temporary file is left"
        reason = next((r for key, r in KNOWN_REFUSALS.items() if key in str(exc)), str(exc))
        RESULTS[name] = f"refused: {reason}"
        assert reason in KNOWN_REFUSALS.values(), f"unexpected refusal: {exc}"
        return
    RESULTS[name] = "patched"
    check_patched(original, path, title, sheet_part, col)
    check_values(original, path, title, col)


def test_corpus_summary(corpus, capsys):
    """Prints patched / refused counts by reason (runs after the corpus tests)."""
    if not RESULTS:
        pytest.skip("no corpus workbook ran in this session")
    counts = collections.Counter(RESULTS.values())
    with capsys.disabled():
        print(f"\nxlsx corpus: {len(RESULTS)} workbooks: "
              + ", ".join(f"{n} {what}" for what, n in sorted(counts.items())))
    with open(corpus / "MANIFEST.csv", newline="", encoding="utf-8") as f:
        manifest = {row["file"]: row for row in csv.DictReader(f)}
    for name, outcome in RESULTS.items():
        if manifest[name]["feature"] == "strict_ooxml":
            assert outcome == "refused: strict OOXML", name


# -- LibreOffice -----------------------------------------------------------------------------------
LIBREOFFICE_SAMPLE = 10


def shown(cells: list[list[str]], row: int, col: int) -> str:
    return cells[row - 1][col - 1] if row <= len(cells) and col <= len(cells[row - 1]) else ""


def test_libreoffice_reads_what_was_written(tmp_path):
    soffice()
    path = deals_workbook(tmp_path / "deals.xlsx")
    path1904 = deals_workbook(tmp_path / "deals1904.xlsx", date_1904=True)
    text = "a\x01b _x0041_ <&> \u00e9"
    cells = {("Deals", "G1"): "Status", ("Deals", "G2"): '=HYPERLINK("x")',
             ("Deals", "G3"): 1234.5, ("Deals", "G4"): dt.date(2026, 3, 4),
             ("Deals", "G5"): True, ("Deals", "G6"): text, ("Deals", "B2"): None,
             ("Deals", "A9"): "new row"}
    for p in (path, path1904):
        write_xlsx(p, cells, {"Reminders": REMINDERS})
    out = to_csv([path, path1904], tmp_path)
    for stem in ("deals", "deals1904"):
        sheet = read_csv(out, stem, "Deals")
        assert [shown(sheet, r, 7) for r in range(1, 7)] == [
            "Status", '=HYPERLINK("x")', "1234.5", "2026-03-04", "TRUE", text]
        assert shown(sheet, 2, 2) == "" and shown(sheet, 9, 1) == "new row"
        assert shown(sheet, 3, 5) == "03/01/2026", "existing dates unchanged"
        assert read_csv(out, stem, "Reminders") == [
            ["Owner", "Deal ID", "Due"], ["Ann", "D-1", "2026-01-02"], ["Bob", "D-2", "2026-01-03"]]


def test_libreoffice_reads_patched_corpus_workbooks(corpus, tmp_path):
    soffice()
    names = [n for n in corpus_files() if RESULTS.get(n, "patched") == "patched"]
    sample, expected = [], {}
    for name in names[::max(1, len(names) // LIBREOFFICE_SAMPLE)]:
        if len(sample) == LIBREOFFICE_SAMPLE:
            break
        path = tmp_path / f"w{len(sample)}{Path(name).suffix}"
        shutil.copyfile(corpus / name, path)
        title, sheet_part = first_worksheet(path)
        col = last_used_column(part(path, sheet_part)) + 2
        try:
            write_xlsx(path, {(title, f"{col_letters(col)}{r}"): v
                              for r, v in enumerate(WRITTEN, 1)},
                       {"Reminders": REMINDERS, "Summary": SUMMARY},
                       **looks(title, col, header_row=0))  # a header's format would show
        except (SourceError, WriteConflict):
            continue
        sample.append(path)
        expected[path.stem] = (name, title, col)
    assert len(sample) == LIBREOFFICE_SAMPLE
    out = to_csv(sample, tmp_path)
    for stem, (name, title, col) in expected.items():
        sheet = read_csv(out, stem, title)
        assert [shown(sheet, r, col) for r in range(1, 6)] == [
            "sheetsales \u2713 <&> ", "12345.5", "2026-03-04", "=SUM(A1:A2)", "TRUE"], name
        assert read_csv(out, stem, "Reminders")[1] == ["Ann", "D-1", "2026-01-02"], name


def test_owned_mark_survives_a_libreoffice_resave(tmp_path):
    soffice()
    path = deals_workbook(tmp_path / "deals.xlsx")
    write_xlsx(path, {}, {"Reminders": REMINDERS})
    resaved = tmp_path / "resaved"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--headless", "--convert-to", "xlsx", "--outdir", str(resaved), str(path)],
                   check=True, capture_output=True, timeout=300)
    result = write_xlsx(resaved / "deals.xlsx", {}, {"Reminders": [["after LibreOffice"]]})
    assert result.sheets_replaced == ("Reminders",)
    assert grid(resaved / "deals.xlsx", "Reminders") == [["after LibreOffice"]]
