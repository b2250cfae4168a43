"""The output side of the surgical .xlsx writer: a zip written entry by entry.

Untouched entries are never inflated or recompressed: `ZipOutput.copy_raw` copies an entry's
compressed bytes, method and CRC as they are, under a rebuilt local header (sizes are known,
so a source data descriptor is dropped, and Zip64 records are dropped because a workbook
past 4 GiB is refused). Only parts the writer changes are compressed afresh, by `Deflated`.
"""

import queue
import struct
import tempfile
import threading
import zipfile
import zlib

from ...core.errors import WriteConflict
from .ooxml import CHUNK, LOCAL_HEADER, SourcePackage

_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_ZIP32_LIMIT = 0xFFFFFFFF
# A rewritten part's compressed bytes stay in memory up to this size, then go to an unnamed
# temporary file beside the workbook: a big sheet's would otherwise sit in memory beside
# everything the run holds (and /tmp may itself be memory).
SPOOL_IN_MEMORY = 1 << 20


def _strip_zip64(extra: bytes) -> bytes:
    """An extra field without its Zip64 record (this writer never needs Zip64)."""
    kept, i = [], 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, i)
        if kind != 1:
            kept.append(extra[i:i + 4 + size])
        i += 4 + size
    return b"".join(kept) if i == len(extra) else extra


def _dos_time(date_time) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d


class Deflated:
    """A new part's compressed bytes, built chunk by chunk into a spooled temporary file.

    Compression runs on a worker thread (zlib releases the GIL), overlapping with the
    Python that produces the next chunk."""

    def __init__(self, method: int = zipfile.ZIP_DEFLATED, folder=None):
        self.method = zipfile.ZIP_STORED if method == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=folder)
        self.crc = self.size = self.compressed_size = 0
        self._queue: queue.Queue = queue.Queue(maxsize=1)  # one piece waits: bounded memory
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._compress, daemon=True)
        self._worker.start()

    def _compress(self):
        z = zlib.compressobj(6, zlib.DEFLATED, -15) if self.method else None
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain until the sentinel
            try:
                self.crc = zlib.crc32(data, self.crc)
                self.size += len(data)
                self.file.write(z.compress(data) if z else data)
            except BaseException as exc:  # reported by finish()
                self._error = exc
        if z and self._error is None:
            self.file.write(z.flush())

    def write(self, data: bytes):
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _stop(self):
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()

    def finish(self) -> "Deflated":
        self._stop()
        if self._error is not None:
            raise self._error
        self.file.seek(0, 2)
        self.compressed_size = self.file.tell()
        return self

    def chunks(self):
        self.file.seek(0)
        while chunk := self.file.read(CHUNK):
            yield chunk

    def close(self):
        self._stop()
        self.file.close()


def deflate(data: bytes, method: int = zipfile.ZIP_DEFLATED) -> Deflated:
    part = Deflated(method)
    part.write(data)
    return part.finish()


class ZipOutput:
    """A zip written entry by entry to a seekable file, then closed with its central directory."""

    def __init__(self, fp):
        self.fp = fp
        self._central = []

    def _name_bytes(self, info: zipfile.ZipInfo) -> tuple[bytes, int]:
        if info.flag_bits & 0x800:
            return info.orig_filename.encode("utf-8"), 0x800
        try:
            return info.orig_filename.encode("cp437"), 0
        except UnicodeEncodeError:
            return info.orig_filename.encode("utf-8"), 0x800

    def _entry(self, info, name, flags, method, crc, csize, size, extra, chunks):
        offset = self.fp.tell()
        if max(offset, csize, size) > _ZIP32_LIMIT or len(self._central) >= 0xFFFF:
            raise WriteConflict("the workbook would exceed 4 GiB or 65,535 parts, which "
                                "sheetsales does not write; shrink the workbook and run again")
        dostime, dosdate = _dos_time(info.date_time)
        version, central_extra = info.extract_version, _strip_zip64(info.extra)
        self.fp.write(LOCAL_HEADER.pack(b"PK\x03\x04", version, 0, flags, method, dostime,
                                        dosdate, crc, csize, size, len(name), len(extra))
                      + name + extra)
        for chunk in chunks:
            self.fp.write(chunk)
        self._central.append(_CENTRAL.pack(
            b"PK\x01\x02", info.create_version, info.create_system, version, 0, flags, method,
            dostime, dosdate, crc, csize, size, len(name), len(central_extra), len(info.comment),
            0, info.internal_attr, info.external_attr, offset)
            + name + central_extra + info.comment)

    def copy_raw(self, source: SourcePackage, info: zipfile.ZipInfo):
        """Copy an entry as it is: same compressed bytes, method, CRC, sizes and attributes."""
        name, utf8 = self._name_bytes(info)
        chunks = source.raw_chunks(info)
        local_extra = _strip_zip64(next(chunks))
        flags = (info.flag_bits & ~0x808) | utf8
        self._entry(info, name, flags, info.compress_type, info.CRC, info.compress_size,
                    info.file_size, local_extra, chunks)

    def add(self, info: zipfile.ZipInfo, part: Deflated):
        """Write a new or changed part under the name and attributes of `info`."""
        name, utf8 = self._name_bytes(info)
        self._entry(info, name, utf8, part.method, part.crc, part.compressed_size, part.size,
                    b"", part.chunks())

    def finish(self, comment: bytes = b""):
        """Write the central directory and the end record (with the archive's comment)."""
        start = self.fp.tell()
        for record in self._central:
            self.fp.write(record)
        size = self.fp.tell() - start
        if self.fp.tell() > _ZIP32_LIMIT:
            raise WriteConflict("the workbook would exceed 4 GiB, which sheetsales does not "
                                "write; shrink the workbook and run again")
        count = len(self._central)
        self.fp.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, len(comment))
                      + comment)


def new_entry_info(name: str, like: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A ZipInfo for a new part, dated and attributed like an existing entry."""
    info = zipfile.ZipInfo(name, like.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = like.create_system
    info.create_version = like.create_version
    info.external_attr = like.external_attr
    info.extract_version = 20
    return info
