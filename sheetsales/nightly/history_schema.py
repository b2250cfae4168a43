"""The history database's schema, as the migrations that build it. MIGRATIONS[n] takes a
database from user_version n to n + 1; append, never edit. A step is SQL statements, or a
function given the connection (inside the migration's transaction) for data that SQL alone
cannot carry over."""

import sqlite3

from ..core.model import CellChange
from ..core.sheet_id import source_identity

V1 = (
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
)

# v2: a history that stays small. Per deal its current stage and since when (not every
# stage of every run); per reminder item one row with the last day it was sent; messages
# handed to a server but not yet confirmed (so a re-send carries the same Message-ID);
# addresses a server refused for good.
STAGE_NOW = """CREATE TABLE stage_now (
    source TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    stage_key TEXT,
    mixed INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    PRIMARY KEY (source, deal_id)) WITHOUT ROWID"""

# A deal keeps its `since` while each run that sees it finds the same single stage; runs
# that do not see it do not break the series; a different stage, no stage or a duplicated
# ID with two stages does.
UPSERT_STAGE = """INSERT INTO stage_now (source, deal_id, stage_key, mixed, since, run_id)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (source, deal_id) DO UPDATE SET
        since = CASE WHEN stage_now.mixed = 0 AND excluded.mixed = 0
                     AND stage_now.stage_key IS excluded.stage_key
                     AND excluded.stage_key IS NOT NULL
                THEN stage_now.since ELSE excluded.since END,
        stage_key = excluded.stage_key, mixed = excluded.mixed, run_id = excluded.run_id"""


def _replay_stages(db: sqlite3.Connection) -> None:
    """Carry every finished run's stages over into stage_now, oldest run first."""
    runs = db.execute("SELECT id, source, day FROM runs WHERE finished_at IS NOT NULL "
                      "AND EXISTS (SELECT 1 FROM deal_stages WHERE run_id = runs.id) "
                      "ORDER BY id").fetchall()
    for run_id, source, day in runs:
        stages: dict[str, set] = {}
        for deal, stage in db.execute("SELECT deal_id, stage_key FROM deal_stages "
                                      "WHERE run_id = ?", (run_id,)):
            stages.setdefault(deal, set()).add(stage)
        db.executemany(UPSERT_STAGE, (
            (source, deal, next(iter(found)) if len(found) == 1 else None,
             int(len(found) > 1), day, run_id) for deal, found in stages.items()))


V2 = (
    STAGE_NOW,
    "CREATE INDEX stage_now_by_run ON stage_now (source, run_id)",
    _replay_stages,
    "DROP TABLE deal_stages",
    """CREATE TABLE sent (
        source TEXT NOT NULL,
        audience TEXT NOT NULL,
        owner TEXT NOT NULL,
        item TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        channel TEXT NOT NULL,
        recipient TEXT,
        message_id TEXT,
        PRIMARY KEY (source, audience, owner, item)) WITHOUT ROWID""",
    """INSERT INTO sent (source, audience, owner, item, sent_on, channel, recipient)
        SELECT source, audience, owner, item, max(sent_on), channel, recipient
        FROM reminders_sent GROUP BY source, audience, owner, item""",
    "DROP TABLE reminders_sent",
    """CREATE TABLE outgoing (
        message_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        audience TEXT NOT NULL,
        owner TEXT NOT NULL,
        items TEXT NOT NULL,
        day TEXT NOT NULL,
        recipient TEXT)""",
    """CREATE TABLE refused (
        source TEXT NOT NULL,
        recipient TEXT NOT NULL,
        reply TEXT NOT NULL,
        refused_on TEXT NOT NULL,
        settings TEXT NOT NULL,
        PRIMARY KEY (source, recipient)) WITHOUT ROWID""",
)



def _one_identity_per_sheet(db: sqlite3.Connection) -> None:
    """Rows recorded under another form of a Google Sheet's name (its URL, gsheet:KEY/Tab)
    move to its one identity, gsheet:ID; where two forms recorded the same thing the later
    record is kept (a reminder sent by URL stays sent under gsheet:ID)."""
    db.create_function("identity", 1, source_identity, deterministic=True)
    moved = "identity(source) != source"
    for table in ("runs", "writes", "outgoing"):
        db.execute(f"UPDATE {table} SET source = identity(source) WHERE {moved}")
    for table, key, later in (("sent", "audience, owner, item", "sent_on"),
                              ("stage_now", "deal_id", "run_id"),
                              ("refused", "recipient", "refused_on")):
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        rest = [c for c in columns if c != "source"]
        db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT "
            f"{', '.join('identity(source)' if c == 'source' else c for c in columns)} "
            f"FROM {table} WHERE {moved} ORDER BY {later} ON CONFLICT (source, {key}) DO UPDATE "
            f"SET {', '.join(f'{c} = excluded.{c}' for c in rest)} "
            f"WHERE excluded.{later} > {table}.{later}")
        db.execute(f"DELETE FROM {table} WHERE {moved}")


V3 = (_one_identity_per_sheet,)
# v4: the Notes and Done typed on the Reminders sheet (history_notes.py)
V4 = ('''CREATE TABLE reminder_notes (
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    notes TEXT NOT NULL,
    done TEXT NOT NULL,
    PRIMARY KEY (source, item)) WITHOUT ROWID''',)



def _pack_journal(db: sqlite3.Connection) -> None:
    """Each write's journal rows (one per cell, values as tagged JSON) become one packed row
    (history_writes.pack_cells), in the same order."""
    from .history_writes import decode_value, pack_cells  # history_writes imports this module
    changes: dict[int, list] = {}
    for write_id, sheet, cell, old, new in db.execute(
            "SELECT write_id, sheet, cell, old, new FROM journal ORDER BY write_id, id"):
        changes.setdefault(write_id, []).append(
            CellChange.of(sheet, cell, decode_value(old), decode_value(new)))
    db.executemany("INSERT INTO write_cells (write_id, count, cells) VALUES (?, ?, ?)",
                   ((write_id, len(cells), pack_cells(cells))
                    for write_id, cells in changes.items()))


# v5: a write's cells in one row, packed (history_writes), not a row and two JSON texts per
# cell: 0.3 s instead of 4 s for a 100k-deal run's 330k cells (issue 18)
V5 = ("""CREATE TABLE write_cells (
    write_id INTEGER PRIMARY KEY REFERENCES writes (id) ON DELETE CASCADE,
    count INTEGER NOT NULL,
    cells BLOB NOT NULL)""",
      _pack_journal,
      "DROP TABLE journal")

# v6: what sheetsales last wrote in its own status cells, one packed record per source
# replaced on each write (history_owned), so a person's typing there is seen (OWN001)
V6 = ("""CREATE TABLE owned_cells (
    source TEXT PRIMARY KEY,
    run_id INTEGER,
    count INTEGER NOT NULL,
    cells BLOB NOT NULL)""",)

MIGRATIONS: tuple = (V1, V2, V3, V4, V5, V6)


def apply(db: sqlite3.Connection, steps) -> None:
    """Run `steps` (a slice of MIGRATIONS) in order: each statement SQL text, or a function
    of the connection."""
    for step in steps:
        for statement in step:
            if callable(statement):
                statement(db)
            else:
                db.execute(statement)
