"""The write journal in the history: every cell sheetsales wrote with its old value (for
`undo` of a Google Sheet and for audit), pruned with the backups it serves.

A write's cells are one row: its CellChanges as one JSON array (dates tagged), deflated. A
100k-deal run writes ~330k cells; one JSON call and one row cost ~0.3 s where a row and two
JSON calls per cell cost ~4 s (benchmarks/bench_process.py, issue 18)."""

import datetime as dt
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.model import CellChange
from .history_db import moment as _moment, now as _now, stamp as _stamp


@dataclass(frozen=True)
class Write:
    """One journaled write: the cells it changed, in order."""

    id: int
    run_id: int | None
    source: str
    written_at: dt.datetime
    changes: list[CellChange]


def encode_value(value) -> str:
    """A cell value as JSON with dates tagged, so they come back as dates."""
    return json.dumps(value, ensure_ascii=False, default=_tag)


def decode_value(text: str):
    return json.loads(text, object_hook=_untag)


_TAGS = {"$datetime": dt.datetime, "$date": dt.date, "$time": dt.time}


def _tag(value):
    """json's hook for what it cannot encode: dates, datetimes and times, tagged."""
    for tag, kind in _TAGS.items():  # datetime first: it is a date too
        if isinstance(value, kind):
            return {tag: value.isoformat()}
    raise TypeError(f"cannot journal a cell value of type {type(value).__name__}")


def _untag(mapping: dict):
    (tag, iso), = mapping.items()
    return _TAGS[tag].fromisoformat(iso)


def untag_value(mapping: dict):
    """json's object hook for records whose other objects are plain mappings too: only a
    one-key mapping of a date tag to text is a date."""
    if len(mapping) == 1:
        (tag, iso), = mapping.items()
        if tag in _TAGS and isinstance(iso, str):
            return _TAGS[tag].fromisoformat(iso)
    return mapping


tag_value = _tag  # json's default hook, for the history's other packed records


def pack_cells(changes: Iterable[CellChange]) -> bytes:
    """Cell changes as the journal stores them: one JSON array of [sheet, row, col, old,
    new], deflated."""
    text = json.dumps(changes if isinstance(changes, list) else list(changes),
                      ensure_ascii=False, default=_tag, check_circular=False)
    return zlib.compress(text.encode(), 1)


def unpack_cells(blob: bytes) -> list[CellChange]:
    return list(map(CellChange._make, json.loads(zlib.decompress(blob), object_hook=_untag)))


class JournalMixin:
    """History methods for the write journal (mixed into History)."""

    def journal_write(self, run_id: int | None, source, changes: Iterable[CellChange],
                      written: dt.datetime | None = None, kind: str = "write",
                      keep: int | None = None) -> int:
        """Journal the cells of one write (old and new values) in one transaction; returns
        the write's id. Call it once the write has landed. With `keep`, only the last `keep`
        writes of the source stay journaled (as many as backups are kept)."""
        with self._transaction():
            write_id = self._journal(run_id, source, changes, written, kind)
            if keep is not None:
                self._prune_writes(self.key(source), max(keep, 1))
            return write_id

    def _journal(self, run_id, source, changes, written, kind) -> int:

        cursor = self.db.execute(
            "INSERT INTO writes (run_id, source, kind, written_at) VALUES (?, ?, ?, ?)",
            (run_id, self.key(source), kind, _stamp(written or _now())))
        write_id = cursor.lastrowid
        changes = list(changes)
        self.db.execute("INSERT INTO write_cells (write_id, count, cells) VALUES (?, ?, ?)",
                        (write_id, len(changes), pack_cells(changes)))
        return write_id

    def _prune_writes(self, key: str, keep: int) -> None:
        oldest_kept = self.db.execute(
            "SELECT id FROM writes WHERE source = ? AND kind = 'write' ORDER BY id DESC "
            "LIMIT 1 OFFSET ?", (key, keep - 1)).fetchone()
        if oldest_kept:
            self.db.execute("UPDATE writes SET undone_by = NULL WHERE source = ? AND "
                            "undone_by < ?", (key, oldest_kept[0]))
            self.db.execute("DELETE FROM writes WHERE source = ? AND id < ?",
                            (key, oldest_kept[0]))

    def last_write(self, source) -> Write | None:
        """The latest write of `source` that was not undone (undo writes excluded), or None.
        To undo it, write each change's `old` back, then call `mark_undone`."""

        found = self._read(
            "SELECT id, run_id, source, written_at FROM writes WHERE source = ? AND "
            "kind = 'write' AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
            (self.key(source),))
        if not found:
            return None
        write_id, run_id, key, written = found[0]
        cells = self._read("SELECT cells FROM write_cells WHERE write_id = ?", (write_id,))
        changes = unpack_cells(cells[0][0]) if cells else []
        return Write(write_id, run_id, key, _moment(written), changes)

    def mark_undone(self, write_id: int, changes: Iterable[CellChange] | None = None,
                    when: dt.datetime | None = None) -> int | None:
        """Mark a write undone; with `changes` (the cells the undo wrote) journal them as an
        undo write in the same transaction and return its id."""

        with self._transaction():
            source = self.db.execute("SELECT source FROM writes WHERE id = ?",
                                     (write_id,)).fetchone()
            if source is None:
                raise KeyError(f"no write {write_id} in {self.path}")
            undo_id = None
            if changes is not None:
                undo_id = self._journal(None, source[0], changes, when, "undo")
            self.db.execute("UPDATE writes SET undone_at = ?, undone_by = ? WHERE id = ?",
                            (_stamp(when or _now()), undo_id, write_id))
            # the cells hold what they held before that write, not what the record says
            self._forget_owned(source[0])
        return undo_id
