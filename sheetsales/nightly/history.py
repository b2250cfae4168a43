"""The run history: an embedded SQLite database of runs, each deal's stage per run, the
reminders sent, and a journal of every cell written (SPEC §7).

Durability: WAL with synchronous=FULL. WAL keeps the database consistent whatever moment a
process is killed (a transaction is either in the log with its commit record or ignored);
FULL also makes each commit survive a power cut. The journal backs `undo` and the reminder
log stops duplicate e-mails, so losing the last commit is worse than the cost of FULL, which
is an fsync per commit and sheetsales commits a handful of times per run.

Every write is one transaction: a run's finish together with its deal stages, one write's
journal rows, one batch of reminders. A killed run leaves a run row with no finish time
(shown as "unfinished") and nothing else; readers only trust finished runs.

Sources are stored as given for Google Sheets, and as file paths relative to the folder that
holds `.sheetsales/` when the file is inside it (so the folder can move), else absolute."""

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SheetsalesError
from ..core.model import CellChange

DEFAULT_PATH = Path(".sheetsales") / "history.sqlite"

# MIGRATIONS[n] takes a database from user_version n to n + 1; append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            sheet TEXT,
            day TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,
            counts TEXT NOT NULL DEFAULT '{}')""",
        "CREATE INDEX runs_by_source ON runs (source, id)",
        """CREATE TABLE deal_stages (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            deal_id TEXT NOT NULL,
            stage_key TEXT,
            row INTEGER NOT NULL)""",
        "CREATE INDEX deal_stages_by_run ON deal_stages (run_id, deal_id)",
        """CREATE TABLE reminders_sent (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            audience TEXT NOT NULL,
            owner TEXT NOT NULL,
            item TEXT NOT NULL,
            sent_on TEXT NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT,
            run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL)""",
        "CREATE INDEX reminders_by_item ON reminders_sent (source, audience, owner, item)",
        """CREATE TABLE writes (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            written_at TEXT NOT NULL,
            undone_at TEXT,
            undone_by INTEGER REFERENCES writes (id))""",
        "CREATE INDEX writes_by_source ON writes (source, id)",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            write_id INTEGER NOT NULL REFERENCES writes (id) ON DELETE CASCADE,
            sheet TEXT NOT NULL,
            cell TEXT NOT NULL,
            old TEXT NOT NULL,
            new TEXT NOT NULL)""",
        "CREATE INDEX journal_by_write ON journal (write_id, id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Run:
    """One recorded run; `outcome` is None while it runs or when it was killed."""

    id: int
    source: str
    sheet: str | None
    day: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str | None
    counts: dict[str, int]


@dataclass(frozen=True)
class Write:
    """One journaled write: the cells it changed, in order."""

    id: int
    run_id: int | None
    source: str
    written_at: dt.datetime
    changes: list[CellChange]


def history_path(config, source: str | Path | None = None) -> Path:
    """Where the history of `source` lives: [history] database (relative to the config
    file), else .sheetsales/history.sqlite beside the config file, else beside the workbook,
    else in the current folder (a Google Sheet with no config file)."""
    configured = (config.history or {}).get("database")
    base = config.base_dir
    if base is None and source is not None and not is_remote(source):
        base = Path(source).resolve().parent
    base = base or Path.cwd()
    return base / Path(configured).expanduser() if configured else base / DEFAULT_PATH


def is_remote(source) -> bool:
    text = str(source)
    return text.startswith("gsheet:") or "://" in text


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


def _stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("history times must be time-zone aware")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class History:
    """The history database of one folder. Use `History.open(path)`, as a context manager
    or with `close()`."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path
        folder = path.parent
        self.home = folder.parent if folder.name == DEFAULT_PATH.parent.name else folder

    @classmethod
    def open(cls, path: str | Path) -> "History":
        """Open (creating it and its folder if needed) and migrate the database at `path`."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SheetsalesError(f"cannot open the history database {path} ({exc}); check "
                                  "the folder's permissions or set [history] database") from None
        history = cls(db, path)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            history._migrate()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise SheetsalesError(f"{path} is not a usable history database ({exc}); move it "
                                  "aside and sheetsales will start a new one") from None
        except BaseException:
            db.close()
            raise
        return history

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _transaction(self):
        return _Transaction(self.db, self.path)

    def _migrate(self) -> None:
        with self._transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise SheetsalesError(
                    f"the history database {self.path} was written by a newer sheetsales "
                    f"(schema {version}, this one knows {SCHEMA_VERSION}); upgrade sheetsales")
            for step in MIGRATIONS[version:]:
                for statement in step:
                    self.db.execute(statement)
            if version != SCHEMA_VERSION:
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def key(self, source: str | Path) -> str:
        """How `source` is stored: see the module docstring."""
        if is_remote(source):
            return str(source)
        path = Path(source).resolve()
        try:
            return path.relative_to(self.home.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    # --- runs and stages --------------------------------------------------------------------

    def start_run(self, source, sheet: str | None, started: dt.datetime,
                  day: dt.date | None = None) -> int:
        """Record that a run began; `day` is the run's "today" (default: started's date)."""
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (source, sheet, day, started_at) VALUES (?, ?, ?, ?)",
                (self.key(source), sheet, (day or started.date()).isoformat(), _stamp(started)))
        return cursor.lastrowid

    def finish_run(self, run_id: int, outcome: str, counts: dict[str, int] | None = None,
                   deals: Iterable | None = None, finished: dt.datetime | None = None,
                   sheet: str | None = None) -> None:
        """Record the run's outcome and counts per code, and the stage of each deal in
        `deals` (when given), in one transaction."""
        with self._transaction():
            if deals is not None:
                self._insert_stages(run_id, deals)
            self.db.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, counts = ?, "
                "sheet = coalesce(?, sheet) WHERE id = ?",
                (_stamp(finished or _now()), outcome, json.dumps(dict(counts or {})), sheet,
                 run_id))

    def record_stages(self, run_id: int, deals: Iterable) -> None:
        """Record each deal's stage key (deals without an ID cannot be followed)."""
        with self._transaction():
            self._insert_stages(run_id, deals)

    def _insert_stages(self, run_id, deals) -> None:
        self.db.executemany(
            "INSERT INTO deal_stages (run_id, deal_id, stage_key, row) VALUES (?, ?, ?, ?)",
            ((run_id, d.deal_id, d.stage.key if d.stage else None, d.row)
             for d in deals if d.deal_id))

    def _staged_runs(self, source):
        return self.db.execute(
            "SELECT id, day FROM runs WHERE source = ? AND finished_at IS NOT NULL AND "
            "EXISTS (SELECT 1 FROM deal_stages WHERE run_id = runs.id) ORDER BY id DESC",
            (self.key(source),))

    def previous_stages(self, source) -> dict[str, str]:
        """Deal ID -> stage key at the last finished run of `source` that read its deals
        (for STG004). IDs that were duplicated with different stages are left out."""
        last = self._staged_runs(source).fetchone()
        if last is None:
            return {}
        rows = self.db.execute(
            "SELECT deal_id, min(stage_key), count(DISTINCT coalesce(stage_key, '')) "
            "FROM deal_stages WHERE run_id = ? GROUP BY deal_id", (last[0],))
        return {deal: stage for deal, stage, kinds in rows if kinds == 1 and stage}

    def stages_since(self, source) -> dict[str, tuple[str, dt.date]]:
        """Deal ID -> (stage key, the day of the first run of the unbroken series of finished
        runs, ending at the last one, in which the deal had that stage). Runs in which the
        deal is absent do not break the series; a different stage does."""
        runs = self._staged_runs(source).fetchall()
        if not runs:
            return {}
        days = {run_id: dt.date.fromisoformat(day) for run_id, day in runs}
        rows = self.db.execute(
            "SELECT deal_id, run_id, stage_key FROM deal_stages WHERE run_id IN "
            "(SELECT id FROM runs WHERE source = ? AND finished_at IS NOT NULL) "
            "ORDER BY deal_id, run_id DESC", (self.key(source),))
        latest, since, broken = runs[0][0], {}, set()
        for deal, run_id, stage in rows:
            if deal in broken:
                continue
            if deal not in since:
                if run_id != latest or not stage:
                    broken.add(deal)  # not in the last run: no current stage to time
                else:
                    since[deal] = (stage, days[run_id])
            elif since[deal][0] == stage:
                since[deal] = (stage, days[run_id])
            else:
                broken.add(deal)
                if run_id == latest:  # a duplicated ID with two stages: no one stage
                    del since[deal]
        return since

    def stage_since(self, source, deal_id: str, stage_key: str) -> dt.date | None:
        """The day `deal_id` was first seen in `stage_key` in the unbroken series of runs
        ending at the last finished run; None when the last run had it in another stage."""
        found = self.stages_since(source).get(deal_id)
        return found[1] if found and found[0] == stage_key else None

    def _runs(self, where: str, args: tuple, limit: int) -> list[Run]:
        rows = self.db.execute(
            "SELECT id, source, sheet, day, started_at, finished_at, outcome, counts FROM runs "
            f"{where} ORDER BY id DESC LIMIT ?", (*args, limit))
        return [Run(i, s, sh, dt.date.fromisoformat(day), _moment(start), _moment(end), out,
                    json.loads(counts)) for i, s, sh, day, start, end, out, counts in rows]

    def recent_runs(self, source=None, limit: int = 20) -> list[Run]:
        """The latest runs, newest first, of `source` or of every source."""
        if source is None:
            return self._runs("", (), limit)
        return self._runs("WHERE source = ?", (self.key(source),), limit)

    def last_run(self, source) -> Run | None:
        """The latest finished run of `source`."""
        found = self._runs("WHERE source = ? AND finished_at IS NOT NULL", (self.key(source),), 1)
        return found[0] if found else None

    # --- the write journal ------------------------------------------------------------------

    def journal_write(self, run_id: int | None, source, changes: Iterable[CellChange],
                      written: dt.datetime | None = None, kind: str = "write") -> int:
        """Journal the cells of one write (old and new values) in one transaction; returns
        the write's id. Call it once the write has landed."""
        with self._transaction():
            return self._journal(run_id, source, changes, written, kind)

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

    def last_write(self, source) -> Write | None:
        """The latest write of `source` that was not undone (undo writes excluded), or None.
        To undo it, write each change's `old` back, then call `mark_undone`."""
        found = self.db.execute(
            "SELECT id, run_id, source, written_at FROM writes WHERE source = ? AND "
            "kind = 'write' AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
            (self.key(source),)).fetchone()
        if found is None:
            return None
        write_id, run_id, key, written = found
        changes = [CellChange.of(sheet, cell, decode_value(old), decode_value(new))
                   for sheet, cell, old, new in self.db.execute(
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

    # --- reminders --------------------------------------------------------------------------

    def last_reminders(self, source, audience: str = "owner") -> dict[tuple[str, str], dt.date]:
        """(owner, item key) -> the last day it was sent to `audience` ("owner"/"manager")."""
        rows = self.db.execute(
            "SELECT owner, item, max(sent_on) FROM reminders_sent WHERE source = ? AND "
            "audience = ? GROUP BY owner, item", (self.key(source), audience))
        return {(owner, item): dt.date.fromisoformat(day) for owner, item, day in rows}

    def reminder_due(self, source, owner: str, key: str, today: dt.date,
                     resend_every_days: int | None, audience: str = "owner") -> bool:
        """True when the item was never sent, or was last sent at least `resend_every_days`
        days ago (0 or None: never again)."""
        row = self.db.execute(
            "SELECT max(sent_on) FROM reminders_sent WHERE source = ? AND audience = ? AND "
            "owner = ? AND item = ?", (self.key(source), audience, owner, key)).fetchone()
        return resend_due(dt.date.fromisoformat(row[0]) if row[0] else None, today,
                          resend_every_days)

    def record_reminders(self, source, sent: Iterable[tuple[str, str, str, str | None]],
                         sent_on: dt.date, channel: str, run_id: int | None = None) -> None:
        """Record sent items, as (audience, owner, item key, recipient address), in one
        transaction."""
        key = self.key(source)
        with self._transaction():
            self.db.executemany(
                "INSERT INTO reminders_sent (source, audience, owner, item, sent_on, channel, "
                "recipient, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((key, audience, owner, item, sent_on.isoformat(), channel, recipient, run_id)
                 for audience, owner, item, recipient in sent))

    def record_reminder(self, source, owner: str, key: str, sent_on: dt.date, channel: str,
                        recipient: str | None = None, audience: str = "owner") -> None:
        self.record_reminders(source, [(audience, owner, key, recipient)], sent_on, channel)


def resend_due(last_sent: dt.date | None, today: dt.date, resend_every_days: int | None) -> bool:
    if last_sent is None:
        return True
    return bool(resend_every_days) and (today - last_sent).days >= resend_every_days


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (autocommit connection).
    Operational failures (locked too long, disk full, read-only) become SheetsalesErrors."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path

    def __enter__(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._error(exc) from exc

    def __exit__(self, kind, exc, tb):
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return False
            except sqlite3.OperationalError as error:
                exc = error
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            raise self._error(exc) from exc
        return False

    def _error(self, exc) -> SheetsalesError:
        return SheetsalesError(f"the history database {self.path} could not be updated "
                               f"({exc}); if another sheetsales is running, let it finish, "
                               "else check the disk and the file's permissions")
