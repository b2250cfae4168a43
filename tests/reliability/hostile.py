"""Hostile and odd inputs, generated: zip packages written entry by entry (so sizes can lie
and a gigabyte can be pre-deflated in a millisecond), OLE compound files, entity bombs."""

import random
import struct
import zipfile
import zlib
from pathlib import Path

import xlsxwriter

HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "First contact"]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767


def small_workbook(path: Path, rows=None) -> Path:
    """A plain deals workbook (shared strings, as Excel writes them)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    sheet.write_row(0, 0, HEADERS)
    for index, row in enumerate(rows or [["D-1", "Acme", "Ana", "Lead", 1000, None]], 1):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(index, col, value)
    book.close()
    return path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def entry(name: str, data: bytes) -> list:
    """[name, raw deflate bytes, CRC-32, real size, declared size]"""
    return [name, deflate(data), zlib.crc32(data), len(data), len(data)]


def write_zip(path: Path, entries) -> Path:
    """A zip written by hand, so an entry's declared size can differ from its real one."""
    central = []
    with open(path, "wb") as out:
        for name, raw, crc, _size, declared in entries:
            encoded = name.encode()
            offset = out.tell()
            out.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, 0x21, crc,
                                  len(raw), declared, len(encoded), 0) + encoded + raw)
            central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, 8, 0,
                                       0x21, crc, len(raw), declared, len(encoded), 0, 0, 0, 0,
                                       0, offset) + encoded)
        start = out.tell()
        for record in central:
            out.write(record)
        out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                              out.tell() - start, start, 0))
    return path


def with_parts(source: Path, path: Path, replace=None, drop=()) -> Path:
    """A copy of a workbook with some parts replaced or left out."""
    replace = dict(replace or {})
    entries = [entry(name, replace.pop(name, data)) for name, data in parts_of(source).items()
               if name not in drop]
    return write_zip(path, entries + [entry(n, d) for n, d in replace.items()])


def sheet_xml(body: str, dimension: str = "A1") -> bytes:
    return (f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}"><dimension ref="{dimension}"/>'
            f"<sheetData>{body}</sheetData></worksheet>").encode()


def inline_row(row: int, values) -> str:
    cells = []
    for col, value in enumerate(values):
        ref = f"{chr(65 + col)}{row}"
        if isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value is not None:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{row}">{"".join(cells)}</row>'


DEALS_XML = inline_row(1, HEADERS) + inline_row(2, ["D-1", "Acme", "Ana", "Lead", 1000])


def repeated_deflate(head: bytes, unit: bytes, times: int, tail: bytes):
    """Raw deflate of head + unit * times + tail, built from one compressed copy of `unit`:
    after a full flush the compressor starts afresh, so every copy deflates the same."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(unit) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(unit) + packer.flush(zlib.Z_FULL_FLUSH) == block
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(tail, crc)
    return first + block * times + last, crc, len(head) + len(unit) * times + len(tail)


def zip_bomb(source: Path, path: Path, declared: int | None = None) -> Path:
    """The deals sheet replaced by one that really inflates to 1 GiB of empty rows (about
    1.6 MB compressed); `declared` makes the zip lie about that size."""
    head = sheet_xml(DEALS_XML)[:-len(b"</sheetData></worksheet>")]
    raw, crc, size = repeated_deflate(head, b"<row/>" * 174_763, 1024,
                                      b"</sheetData></worksheet>")
    entries = [entry(n, d) for n, d in parts_of(source).items()]
    for item in entries:
        if item[0] == SHEET:
            item[1:] = [raw, crc, size, size if declared is None else declared]
    return write_zip(path, entries)


def billion_laughs(levels: int = 9) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE lolz [{''.join(entities)}]>"


def entity_bomb_strings(source: Path, path: Path) -> Path:
    strings = ["Deal ID", "Company", "Owner", "Stage", "D-1", "Acme", "Ana", "&lol9;"]
    sst = (f'{XML_HEAD}{billion_laughs()}<sst xmlns="{MAIN_NS}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{s}</t></si>" for s in strings)
           + "</sst>").encode()
    return with_parts(source, path, {"xl/sharedStrings.xml": sst})


def entity_bomb_sheet(source: Path, path: Path, before: str = "") -> Path:
    """The sheet's DOCTYPE after `before` (a long comment: past the first bytes read)."""
    body = (inline_row(1, HEADERS) +
            '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>')
    xml = sheet_xml(body).replace(XML_HEAD.encode(),
                                  (XML_HEAD + before + billion_laughs()).encode())
    return with_parts(source, path, {SHEET: xml})


def formatted_to_last_row(source: Path, path: Path) -> Path:
    """Two deals, then every row to 1,048,576 formatted (and two styled empty cells in
    each), the way a person formatting whole rows leaves a sheet."""
    rows = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/>'
                   f'<c r="Z{r}" s="1"/></row>' for r in range(4, EXCEL_MAX_ROWS + 1))
    body = (inline_row(1, HEADERS) + inline_row(2, ["D-1", "Acme", "Ana", "Lead", 1000]) +
            inline_row(3, ["D-2", "Beta", "Bo", "Proposl", 500]) + rows)
    return with_parts(source, path, {SHEET: sheet_xml(body, f"A1:Z{EXCEL_MAX_ROWS}")})


def stray_last_cell(source: Path, path: Path) -> Path:
    """One value at XFD1048576: calamine would ask for a 17-billion-cell grid."""
    body = DEALS_XML + f'<row r="{EXCEL_MAX_ROWS}"><c r="XFD{EXCEL_MAX_ROWS}"><v>0</v></c></row>'
    return with_parts(source, path, {SHEET: sheet_xml(body, f"A1:XFD{EXCEL_MAX_ROWS}")})


def stray_cell_in_an_early_row(source: Path, path: Path) -> Path:
    """Deals down to row 150,002, and one value at Z999999 hidden in row 3: the cells at the
    sheet's end do not tell how far it reaches."""
    rows = "".join(inline_row(r, ["D", "Acme"]) for r in range(150_000, 150_003))
    body = DEALS_XML + '<row r="3"><c r="Z999999"><v>0</v></c></row>' + rows
    return with_parts(source, path, {SHEET: sheet_xml(body, "A1:B150002")})


def implied_wide_row(source: Path, path: Path) -> Path:
    """16,384 cells without r="..." in row 99,999: their places are implied, one after another."""
    body = DEALS_XML + '<row r="99999">' + "<c><v>1</v></c>" * 16_384 + "</row>"
    return with_parts(source, path, {SHEET: sheet_xml(body)})


def malformed_sheet(source: Path, path: Path) -> Path:
    xml = parts_of(source)[SHEET]
    return with_parts(source, path, {SHEET: xml[:len(xml) // 2]})


def long_text_workbook(path: Path) -> Path:
    """Cells holding Excel's longest text, 32,767 characters, in every column."""
    text = ("Long " * 7000)[:EXCEL_MAX_TEXT - 1] + "!"
    assert len(text) == EXCEL_MAX_TEXT
    return small_workbook(path, [["D-1", text, text, text, text, text],
                                 ["D-2", "Beta", "Bo", "Proposal", 500, "2026-11-01"]])


# --- OLE compound files (legacy .xls, password-protected workbooks) --------------------------

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB3L", len(encoded), kind, 1, _NOSTREAM,
                                                   right, child)
            + b"\0" * 16 + struct.pack("<L2QLQ", 0, 0, 0, start, size))


def ole_container(path: Path, streams: dict[str, bytes]) -> Path:
    """A compound file (version 3, 512-byte sectors) holding `streams` in regular sectors."""
    streams = {name: data.ljust(max(len(data), 4096), b"\0") for name, data in streams.items()}
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    fat, sectors, starts = [_FATSECT, _END], [], {}
    for name in names:
        count = -(-len(streams[name]) // 512)
        starts[name] = 2 + len(sectors)
        fat += [starts[name] + i + 1 for i in range(count - 1)] + [_END]
        sectors += [streams[name][i * 512:(i + 1) * 512].ljust(512, b"\0") for i in range(count)]
    assert len(fat) <= 128 and len(names) <= 3
    directory = _dir_entry("Root Entry", 5, _NOSTREAM, 1, _END, 0)
    for index, name in enumerate(names, 1):
        right = index + 1 if index < len(names) else _NOSTREAM
        directory += _dir_entry(name, 2, right, _NOSTREAM, starts[name], len(streams[name]))
    directory = directory.ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 +
              struct.pack("<5H6s6L", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, _END)
              + struct.pack("<3L", 0, _END, 0) + struct.pack("<109L", 0, *[_FREE] * 108))
    assert len(header) == 512
    fat_sector = struct.pack(f"<{len(fat)}L", *fat).ljust(512, b"\xff")
    path.write_bytes(header + fat_sector + directory + b"".join(sectors))
    return path


def legacy_xls(path: Path) -> Path:
    bof = struct.pack("<HHHHHHLL", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    return ole_container(path, {"Workbook": bof})


def password_protected(path: Path) -> Path:
    rng = random.Random(7)
    info = struct.pack("<HHL", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    return ole_container(path, {"EncryptionInfo": info,
                                "EncryptedPackage": rng.randbytes(8192)})
