"""The write journal in the history: every cell sheetsales wrote with its old value (for
`undo` of a Google Sheet and for audit), pruned with the backups it serves."""

import datetime as dt
import json
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
    if isinstance(value, dt.datetime):
        value = {"$datetime": value.isoformat()}
    elif isinstance(value, dt.date):
        value = {"$date": value.isoformat()}
    elif isinstance(value, dt.time):
        value = {"$time": value.isoformat()}
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise TypeError(f"cannot journal a cell value of type {type(value).__name__}")
    return json.dumps(value, ensure_ascii=False)


def decode_value(text: str):
    value = json.loads(text)
    if isinstance(value, dict):
        (tag, iso), = value.items()
        return {"$datetime": dt.datetime, "$date": dt.date, "$time": dt.time}[tag] \
            .fromisoformat(iso)
    return value


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
        self.db.executemany(
            "INSERT INTO journal (write_id, sheet, cell, old, new) VALUES (?, ?, ?, ?, ?)",
            ((write_id, c.sheet, c.cell, encode_value(c.old), encode_value(c.new))
             for c in changes))
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
        changes = [CellChange.of(sheet, cell, decode_value(old), decode_value(new))
                   for sheet, cell, old, new in self._read(
                       "SELECT sheet, cell, old, new FROM journal WHERE write_id = ? "
                       "ORDER BY id", (write_id,))]
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
        return undo_id
