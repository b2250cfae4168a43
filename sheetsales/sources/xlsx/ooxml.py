"""The source side of the surgical .xlsx writer: the workbook's zip package, bounded reads
of its parts, their raw compressed bytes, relationships, and byte-level XML helpers that
edit a start tag without reformatting anything around it.
"""

import functools
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from ...core.errors import SourceError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_R_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"

MAX_PART_BYTES = 2 * 1024**3  # a larger inflated part is refused, never inflated
MAX_RATIO = 200  # inflated/compressed, checked for parts above RATIO_FLOOR
RATIO_FLOOR = 16 * 1024**2
MAX_TOTAL_BYTES = MAX_PART_BYTES  # all parts together, inflated


def looks_like_bomb(info: zipfile.ZipInfo) -> bool:
    """A zip entry whose declared inflated size, or its ratio to the compressed size, is
    absurd: refused before anything is inflated (the reader and the writer alike)."""
    return info.file_size > MAX_PART_BYTES or (
        info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
ATTR = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ATTR_PAIR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def parse_xml(data: bytes, where: str):
    """The root element of a small part; a malformed part is a SourceError."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{where} is not well-formed XML ({exc}); open and re-save the workbook "
                          "in Excel and run again") from None


def start_tag(prefix: bytes, local: bytes) -> re.Pattern:
    """A quote-aware pattern for a start tag; group 1 is the attributes, group 2 '/' if empty."""
    return re.compile(b"<" + re.escape(prefix + local) + b"((?:" + ATTR + rb")*)\s*(/?)>")


def attrs(tag_attrs: bytes) -> dict[bytes, bytes]:
    """The attributes of a start tag as raw (still escaped) bytes."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTR_PAIR.finditer(tag_attrs)}


@functools.lru_cache(maxsize=64)
def _attr_value(name: bytes) -> re.Pattern:
    """An attribute and (group 2) its quoted value."""
    return re.compile(rb"(\s" + re.escape(name) + rb"""\s*=\s*)("[^"]*"|'[^']*')""")


def attr(tag: bytes, name: bytes) -> bytes | None:
    """One attribute's raw value in a start tag, or None when it has none."""
    found = _attr_value(name).search(tag)
    return found[2][1:-1] if found else None


def set_attr(tag: bytes, name: bytes, value: bytes) -> bytes:
    """A start tag with one attribute replaced or appended; the other bytes stay as they are."""
    found = _attr_value(name).search(tag)
    if found:
        return tag[:found.start(2)] + b'"' + value + b'"' + tag[found.end(2):]
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip() + b" " + name + b'="' + value + b'"' + tag[end:]


def escape_attr(text: str) -> bytes:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .encode("utf-8"))


def element_prefix(data: bytes, local: bytes) -> bytes:
    """The namespace prefix (b'' or b'x:') a part uses for its root element `local`."""
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?" + re.escape(local) + rb"[\s/>]", data)
    return (match[1] or b"") if match else b""


def insert_before_close(data: bytes, prefix: bytes, local: bytes, fragment: bytes) -> bytes | None:
    """`data` with `fragment` inserted before the last `</local>`, or None when absent."""
    close = b"</" + prefix + local + b">"
    at = data.rfind(close)
    return None if at < 0 else data[:at] + fragment + data[at:]


def rels_part(part: str) -> str:
    """The relationships part of `part` ('' for the package)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The part name a relationship target points at, relative to its source part."""
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str  # a resolved part name, or the raw target of an external relationship
    external: bool

    @property
    def kind(self) -> str:
        return self.type.rsplit("/", 1)[-1]


class SourcePackage:
    """The source workbook as a zip: entries in order, bounded reads, raw compressed bytes."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        try:
            self._fp = open(path, "rb")
        except OSError as exc:
            raise SourceError(f"cannot open {path}: {exc.strerror}; check the path and "
                              "permissions") from None
        try:
            self._open_zip()
        except BaseException:
            self._fp.close()
            raise

    def _open_zip(self):
        if self._fp.read(8) == _OLE_MAGIC:
            raise SourceError(f"{self.name} is password-protected or an old .xls file; remove "
                              "the password or save it as .xlsx and run again")
        self._fp.seek(0)
        try:
            self.zip = zipfile.ZipFile(self._fp)
        except (zipfile.BadZipFile, OSError):
            raise SourceError(f"{self.name} is not an .xlsx/.xlsm workbook (not a zip package); "
                              "save it from Excel as .xlsx and run again") from None
        self.infos = self.zip.infolist()
        self._by_lower = {}
        for info in self.infos:
            key = info.filename.lower()
            if key in self._by_lower:
                raise SourceError(f"{self.name} holds two zip entries named {info.filename!r}; "
                                  "open and re-save it in Excel and run again")
            if info.flag_bits & 0x1:
                raise SourceError(f"{self.name} has encrypted zip entries; save it without "
                                  "encryption and run again")
            self._by_lower[key] = info

    def close(self):
        self.zip.close()
        self._fp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def find(self, part: str) -> zipfile.ZipInfo | None:
        """The entry of a part name (OPC part names are case-insensitive)."""
        return self._by_lower.get(part.lower()) or self._by_lower.get(unquote(part).lower())

    def _checked(self, part: str) -> zipfile.ZipInfo:
        info = self.find(part)
        if info is None:
            raise SourceError(f"{self.name} lacks its part {part}; open and re-save it in Excel "
                              "and run again")
        if looks_like_bomb(info):
            raise SourceError(f"{self.name}: part {part} claims {info.file_size} bytes from "
                              f"{info.compress_size} compressed, which looks like a zip bomb; "
                              "refusing to inflate it")
        return info

    def read(self, part: str) -> bytes:
        """A part's inflated bytes, after the size checks."""
        try:
            return self.zip.read(self._checked(part))
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            raise SourceError(f"{self.name}: part {part} is corrupt ({exc}); open and re-save "
                              "it in Excel and run again") from None

    def open(self, part: str):
        """A part as a stream of inflated bytes, after the size checks."""
        return self.zip.open(self._checked(part))

    def raw_chunks(self, info: zipfile.ZipInfo):
        """The local header's extra field, then the entry's compressed bytes in chunks."""
        self._fp.seek(info.header_offset)
        header = self._fp.read(LOCAL_HEADER.size)
        fields = LOCAL_HEADER.unpack(header) if len(header) == LOCAL_HEADER.size else None
        if not fields or fields[0] != b"PK\x03\x04":
            raise SourceError(f"{self.name}: zip entry {info.filename} has a bad local header; "
                              "open and re-save it in Excel and run again")
        self._fp.seek(fields[10], 1)
        yield self._fp.read(fields[11])
        left = info.compress_size
        while left:
            chunk = self._fp.read(min(left, CHUNK))
            if not chunk:
                raise SourceError(f"{self.name} is truncated inside {info.filename}; restore "
                                  "it from a backup")
            left -= len(chunk)
            yield chunk

    def rels(self, part: str) -> list[Rel]:
        """The relationships of `part` ('' for the package); none when it has no rels part."""
        name = rels_part(part)
        if self.find(name) is None:
            return []
        root = parse_xml(self.read(name), f"{self.name}: {name}")
        found = []
        for el in root:
            if not isinstance(el.tag, str) or etree.QName(el).localname != "Relationship":
                continue
            external = el.get("TargetMode") == "External"
            target = el.get("Target", "")
            found.append(Rel(el.get("Id", ""), el.get("Type", ""),
                             target if external else resolve(part, target), external))
        return found
