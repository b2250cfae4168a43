"""The history database's connection: opening and migrating it, one transaction at a time,
and every SQLite failure turned into one sentence (history_errors).

Durability: WAL with synchronous=FULL. WAL keeps the database consistent whatever moment a
process is killed (a transaction is either in the log with its commit record or ignored);
FULL also makes each commit survive a power cut. The journal backs `undo` and the reminder
log stops duplicate e-mails, so losing the last commit is worse than the cost of FULL, an
fsync per commit."""

import datetime as dt
import sqlite3
from pathlib import Path

from ..core.errors import SheetsalesError
from ..core.sheet_id import is_remote, source_identity
from .history_errors import DATABASE_ERRORS, HistoryError, explain
from . import history_schema

DEFAULT_PATH = Path(".sheetsales") / "history.sqlite"


def stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("history times must be time-zone aware")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Database:
    """One open history database. Use `History.open(path)`, as a context manager or with
    `close()`."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path
        folder = path.parent
        self.home = folder.parent if folder.name == DEFAULT_PATH.parent.name else folder

    @classmethod
    def open(cls, path: str | Path):
        """Open (creating it and its folder if needed) and migrate the database at `path`."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
        except DATABASE_ERRORS as exc:
            raise explain(exc, path, "open") from None
        history = cls(db, path)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            history._migrate()
        except DATABASE_ERRORS as exc:
            db.close()
            raise explain(exc, path, "open") from None
        except BaseException:
            db.close()
            raise
        return history

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _transaction(self) -> "Transaction":
        return Transaction(self.db, self.path)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        """All rows of a query; a failure is a HistoryError."""
        try:
            return self.db.execute(sql, args).fetchall()
        except DATABASE_ERRORS as exc:
            raise explain(exc, self.path, "read") from None

    def _migrate(self) -> None:
        migrations = history_schema.MIGRATIONS
        with self._transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(migrations):
                raise SheetsalesError(
                    f"the history database {self.path} was written by a newer sheetsales "
                    f"(schema {version}, this one knows {len(migrations)}); upgrade sheetsales")
            history_schema.apply(self.db, migrations[version:])
            if version != len(migrations):
                self.db.execute(f"PRAGMA user_version = {len(migrations)}")

    def key(self, source: str | Path) -> str:
        """How `source` is stored: a Google Sheet as `gsheet:ID` whatever form it was given
        in (core.sheet_id), and a file path relative to
        the folder that holds `.sheetsales/` when the file is inside it (so the folder can
        move), else absolute."""
        if is_remote(source):
            return source_identity(source)
        path = Path(source).resolve()
        try:
            return path.relative_to(self.home.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (autocommit connection).
    SQLite failures become HistoryErrors that say what happened (history_errors)."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path

    def __enter__(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except DATABASE_ERRORS as exc:
            raise explain(exc, self.path) from exc

    def __exit__(self, kind, exc, tb):
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return False
            except DATABASE_ERRORS as error:
                exc = error
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except DATABASE_ERRORS:
                pass  # SQLite rolls back itself after some failures; the first error counts
        if isinstance(exc, DATABASE_ERRORS) and not isinstance(exc, HistoryError):
            raise explain(exc, self.path) from exc
        return False
