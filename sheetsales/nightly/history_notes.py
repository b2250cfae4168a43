"""The Notes and Done people type on the Reminders sheet, kept in the history (SPEC section
10): a note stays recorded after its row leaves the sheet, and comes back when the row does
(the same deal, action and due date). One row per item (table reminder_notes, schema v3);
a newer note replaces an older."""

from .history_writes import decode_value, encode_value

_SEP = "\x1f"  # an item key's parts (deal, action head, due date), joined


class NotesMixin:
    """Notes and Done of reminder items; for History."""

    def kept_notes(self, source) -> dict[tuple[str, str, str], tuple]:
        """Item key (deal, action head, due date) -> (Notes, Done) as last recorded."""
        return {tuple(item.split(_SEP)): (decode_value(notes), decode_value(done))
                for item, notes, done in self._read(
                    "SELECT item, notes, done FROM reminder_notes WHERE source = ?",
                    (self.key(source),))}

    def keep_notes(self, source, kept: dict[tuple[str, str, str], tuple]) -> None:
        """Record the Notes and Done now on the sheet, in one transaction."""
        if not kept:
            return
        key = self.key(source)
        with self._transaction():
            self.db.executemany(
                "INSERT INTO reminder_notes (source, item, notes, done) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, item) DO UPDATE SET notes = excluded.notes, "
                "done = excluded.done",
                ((key, _SEP.join(item), encode_value(notes), encode_value(done))
                 for item, (notes, done) in kept.items()))
