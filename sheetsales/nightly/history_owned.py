"""What sheetsales last wrote in its own status cells, kept in the history so the next run
can tell a person's typing from its own (OWN001, rules/owned_rules.py): one row per source
(table owned_cells, schema v6), replaced after every run that leaves the cells as planned,
so it stays one record however many nights pass. Its cells are tab -> Deal ID -> values in
the order of `keys` (core.owned.STATUS_KEYS when written), as JSON with dates tagged,
deflated like the write journal's."""

import json
import zlib

from .history_writes import tag_value, untag_value


class OwnedMixin:
    """The record of sheetsales' own cells; for History."""

    def remember_owned(self, source, written: dict[str, dict[str, list]], keys,
                       run_id: int | None = None) -> None:
        """Record `written` (tab -> Deal ID -> the values of `keys`, as a write leaves them)
        as what `source`'s owned cells hold, replacing the last record, in one transaction."""
        text = json.dumps({"keys": list(keys), "tabs": written}, ensure_ascii=False,
                          default=tag_value, check_circular=False)
        count = sum(len(deals) for deals in written.values())
        with self._transaction():
            self.db.execute(
                "INSERT INTO owned_cells (source, run_id, count, cells) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET run_id = excluded.run_id, "
                "count = excluded.count, cells = excluded.cells",
                (self.key(source), run_id, count, zlib.compress(text.encode(), 1)))

    def owned_record(self, source, keys) -> dict[str, dict[str, list]] | None:
        """Tab -> Deal ID -> values in the order of `keys`, as the last record holds them
        (a key it lacks: None); None when there is no record."""
        found = self._read("SELECT cells FROM owned_cells WHERE source = ?",
                           (self.key(source),))
        if not found:
            return None
        record = json.loads(zlib.decompress(found[0][0]), object_hook=untag_value)
        if record["keys"] == list(keys):
            return record["tabs"]
        order = [record["keys"].index(k) if k in record["keys"] else None for k in keys]
        return {tab: {deal: [None if i is None or i >= len(values) else values[i]
                             for i in order] for deal, values in deals.items()}
                for tab, deals in record["tabs"].items()}

    def forget_owned(self, source) -> None:
        """Drop the record (the cells no longer hold what it says: an undo, a write that
        landed in part), so no one's typing is claimed from it."""
        with self._transaction():
            self._forget_owned(self.key(source))

    def _forget_owned(self, key: str) -> None:
        self.db.execute("DELETE FROM owned_cells WHERE source = ?", (key,))
