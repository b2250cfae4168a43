import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from sheetsales import check
from sheetsales.nightly import history_schema
from sheetsales.core.config import Config, build_config
from sheetsales.core.errors import SheetsalesError
from sheetsales.nightly.history import SCHEMA_VERSION, History, history_path
from sheetsales.core.model import CellChange
from sheetsales.sources import MemoryGrid

from helpers import history_at

UTC = dt.timezone.utc
DAY1 = dt.date(2026, 3, 2)


def at(day: dt.date, hour: int = 7) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def deal(deal_id, stage_key, row=2):
    return SimpleNamespace(deal_id=deal_id, row=row,
                           stage=SimpleNamespace(key=stage_key) if stage_key else None)


def record(history, source, day, deals, counts=None, outcome="ok"):
    run = history.start_run(source, "Deals", at(day), day)
    history.finish_run(run, outcome, counts or {}, deals=deals, finished=at(day, 8))
    return run


@pytest.fixture
def history(tmp_path):
    with History.open(tmp_path / ".sheetsales" / "history.sqlite") as opened:
        yield opened


def test_open_creates_folder_schema_and_wal(tmp_path):
    path = tmp_path / "a" / ".sheetsales" / "history.sqlite"
    History.open(path).close()
    assert path.is_file()
    with History.open(path) as reopened:  # opening again migrates nothing and keeps data
        assert reopened.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert reopened.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert reopened.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(SheetsalesError, match="newer sheetsales"):
        History.open(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not sqlite, just text " * 100)
    with pytest.raises(SheetsalesError, match="not a usable history database"):
        History.open(path)


def test_forward_migration_keeps_existing_data(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    with History.open(path) as old:
        record(old, "deals.xlsx", DAY1, [deal("D-1", "won")])
    step = ("ALTER TABLE runs ADD COLUMN note TEXT",)
    monkeypatch.setattr(history_schema, "MIGRATIONS", (*history_schema.MIGRATIONS, step))
    with History.open(path) as new:
        assert new.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert new.db.execute("SELECT note FROM runs").fetchall() == [(None,)]
        assert new.previous_stages("deals.xlsx") == {"D-1": "won"}


def test_runs_are_recorded_and_listed_newest_first(history):
    first = record(history, "deals.xlsx", DAY1, [], {"DUE001": 2})
    unfinished = history.start_run("deals.xlsx", "Deals", at(DAY1 + dt.timedelta(1)))
    runs = history.recent_runs("deals.xlsx")
    assert [r.id for r in runs] == [unfinished, first]
    assert runs[0].outcome is None and runs[0].finished_at is None
    assert runs[1].counts == {"DUE001": 2} and runs[1].outcome == "ok"
    assert runs[1].started_at == at(DAY1) and runs[1].day == DAY1
    assert history.last_run("deals.xlsx").id == first  # an unfinished run does not count
    assert history.recent_runs("other.xlsx") == []
    with pytest.raises(ValueError, match="time-zone aware"):
        history.start_run("deals.xlsx", "Deals", dt.datetime(2026, 3, 2, 7))


def test_sources_are_keyed_by_path_relative_to_the_history_folder(tmp_path, monkeypatch):
    with History.open(tmp_path / ".sheetsales" / "history.sqlite") as h:
        record(h, tmp_path / "deals.xlsx", DAY1, [deal("D-1", "won")])
        monkeypatch.chdir(tmp_path)
        assert h.key("deals.xlsx") == h.key(str(tmp_path / "deals.xlsx")) == "deals.xlsx"
        assert h.previous_stages("./deals.xlsx") == {"D-1": "won"}
        assert h.key("gsheet:abc/Deals") == "gsheet:abc/Deals"
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    try:
        with History.open(moved / ".sheetsales" / "history.sqlite") as h:
            assert h.previous_stages(moved / "deals.xlsx") == {"D-1": "won"}
    finally:
        moved.rename(tmp_path)
        monkeypatch.chdir(tmp_path)


def test_history_path_defaults(tmp_path):
    assert history_path(Config(), tmp_path / "deals.xlsx") == \
        tmp_path / ".sheetsales" / "history.sqlite"
    configured = Config(path=tmp_path / "conf" / "sheetsales.toml")
    assert history_path(configured, "/elsewhere/deals.xlsx") == \
        tmp_path / "conf" / ".sheetsales" / "history.sqlite"
    custom = build_config({"history": {"database": "db/h.sqlite"}},
                          tmp_path / "conf" / "sheetsales.toml")
    assert history_path(custom, "gsheet:KEY") == tmp_path / "conf" / "db" / "h.sqlite"


def test_previous_stages_come_from_the_last_finished_run(history):
    record(history, "deals.xlsx", DAY1, [deal("D-1", "lead"), deal("D-2", "won")])
    record(history, "deals.xlsx", DAY1 + dt.timedelta(1),
           [deal("D-1", "proposal"), deal("D-2", "won", 3), deal("D-2", "lead", 4),
            deal(None, "won"), deal("D-3", None)])
    history.start_run("deals.xlsx", "Deals", at(DAY1 + dt.timedelta(2)))  # killed: ignored
    record(history, "other.xlsx", DAY1, [deal("D-1", "lost")])
    # D-2 was duplicated with two stages; D-3's stage was unrecognised; no ID is not followed
    assert history.previous_stages("deals.xlsx") == {"D-1": "proposal"}
    assert history.previous_stages("never-run.xlsx") == {}


def test_stage_moved_back_across_two_runs(history):
    """STG004 fed by the history of a first run."""
    headers = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Created", "First contact",
               "Discovery on", "Proposal sent"]
    d = dt.date(2026, 2, 1)
    first = [headers, ["D-1", "Acme", "Ana", "Proposal", 100, d, d, d, d],
             ["D-2", "Beta", "Bo", "Discovery", 100, d, d, d, None]]
    report = check(MemoryGrid({"Deals": first}), Config(), DAY1,
                   previous_stages=history.previous_stages("deals.xlsx"))
    assert not [f for f in report.findings if f.code == "STG004"]
    record(history, "deals.xlsx", DAY1, report.deals)
    second = [headers, ["D-1", "Acme", "Ana", "Discovery", 100, d, d, d, None],
              ["D-2", "Beta", "Bo", "Proposal", 100, d, d, d, d]]
    report = check(MemoryGrid({"Deals": second}), Config(), DAY1 + dt.timedelta(1),
                   previous_stages=history.previous_stages("deals.xlsx"))
    moved = [f for f in report.findings if f.code == "STG004"]
    assert [(f.deal_id, f.message) for f in moved] == [
        ("D-1", "stage moved back from Proposal to Discovery since the last run")]


def test_time_in_stage_counts_from_the_first_run_of_the_unbroken_series(history):
    days = [DAY1 + dt.timedelta(n) for n in range(5)]
    record(history, "deals.xlsx", days[0], [deal("D-1", "lead"), deal("D-2", "lead")])
    record(history, "deals.xlsx", days[1], [deal("D-1", "contacted"), deal("D-2", "lead")])
    record(history, "deals.xlsx", days[2], [deal("D-1", "contacted")])  # D-2 missing once
    record(history, "deals.xlsx", days[3], [deal("D-1", "contacted"), deal("D-2", "lead"),
                                            deal("D-3", "won")])
    record(history, "deals.xlsx", days[4], [deal("D-1", "contacted"), deal("D-2", "lead")])
    assert history.stages_since("deals.xlsx") == {"D-1": ("contacted", days[1]),
                                                  "D-2": ("lead", days[0])}
    assert history.stage_since("deals.xlsx", "D-1", "contacted") == days[1]
    assert history.stage_since("deals.xlsx", "D-1", "lead") is None  # not its stage now
    assert history.stage_since("deals.xlsx", "D-3", "won") is None  # gone from the last run


cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.dates(), st.datetimes(), st.datetimes(timezones=st.just(UTC)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell_values, cell_values), min_size=1, max_size=8))
def test_journal_round_trips_values_with_their_types(tmp_path_factory, pairs):
    path = tmp_path_factory.mktemp("journal") / "h.sqlite"
    changes = [CellChange.of("Deals", f"Q{n + 2}", old, new) for n, (old, new) in enumerate(pairs)]
    with History.open(path) as h:
        h.journal_write(None, "deals.xlsx", changes)
        back = h.last_write("deals.xlsx").changes
    assert back == changes
    assert [(type(c.old), type(c.new)) for c in back] == \
        [(type(c.old), type(c.new)) for c in changes]


def test_undo_walks_back_through_writes(history):
    run = record(history, "deals.xlsx", DAY1, [])
    first = history.journal_write(run, "deals.xlsx", [CellChange.of("Deals", "Q2", None, "OK")])
    second = history.journal_write(run, "deals.xlsx", [
        CellChange.of("Deals", "Q2", "OK", "Overdue"),
        CellChange.of("Deals", "T2", None, dt.date(2026, 3, 4))])
    last = history.last_write("deals.xlsx")
    assert last.id == second and last.run_id == run
    assert last.changes[1] == CellChange.of("Deals", "T2", None, dt.date(2026, 3, 4))
    reverse = [CellChange.of(c.sheet, c.cell, c.new, c.old) for c in last.changes]
    undo = history.mark_undone(second, reverse)
    assert undo is not None
    assert history.last_write("deals.xlsx").id == first  # the undo itself is not undoable
    history.mark_undone(first)
    assert history.last_write("deals.xlsx") is None
    assert history.last_write("other.xlsx") is None
    with pytest.raises(KeyError):
        history.mark_undone(999)


def test_reminder_cadence(history):
    today = DAY1
    assert history.reminder_due("deals.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue", today, 3)
    history.record_reminder("deals.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue", today, "smtp",
                            "ana@example.com")
    for days, due in ((0, False), (2, False), (3, True)):
        assert history.reminder_due("deals.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue",
                                    today + dt.timedelta(days), 3) is due
    assert not history.reminder_due("deals.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue",
                                    today + dt.timedelta(30), 0)  # 0: never again
    assert history.reminder_due("deals.xlsx", "Bo", "D-1:DUE001:2026-03-01:overdue", today, 3)
    assert history.reminder_due("other.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue", today, 3)
    assert history.reminder_due("deals.xlsx", "Ana", "D-1:DUE001:2026-03-01:overdue", today, 3,
                                audience="manager")
    assert history.last_reminders("deals.xlsx") == {
        ("Ana", "D-1:DUE001:2026-03-01:overdue"): today}


def test_two_connections_share_the_database(tmp_path):
    path = tmp_path / "h.sqlite"
    with History.open(path) as one, History.open(path) as two:
        record(one, "a.xlsx", DAY1, [deal("D-1", "won")])
        record(two, "b.xlsx", DAY1, [deal("D-1", "lead")])
        assert one.previous_stages("b.xlsx") == {"D-1": "lead"}
        assert two.previous_stages("a.xlsx") == {"D-1": "won"}


WRITER = textwrap.dedent("""
    import datetime as dt, sys
    from types import SimpleNamespace
    from sheetsales.nightly.history import History
    from sheetsales.core.model import CellChange
    history = History.open(sys.argv[1])
    deals = [SimpleNamespace(deal_id=f"D-{n}", row=n, stage=SimpleNamespace(key="won"))
             for n in range(3000)]
    changes = [CellChange("Deals", n, 17, None, dt.date(2026, 3, 4)) for n in range(1, 1501)]
    now = dt.datetime(2026, 3, 4, 7, tzinfo=dt.timezone.utc)
    count = 0
    while True:
        run = history.start_run("deals.xlsx", "Deals", now)
        history.finish_run(run, "ok", {"DUE001": count}, deals=deals)
        history.journal_write(run, "deals.xlsx", changes)
        count += 1
        print(count, flush=True)
""")


@pytest.mark.parametrize("pause", [0.0, 0.013, 0.031])
def test_a_kill_mid_run_leaves_a_consistent_database(tmp_path, pause):
    path = tmp_path / ".sheetsales" / "history.sqlite"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        for _ in range(3):
            assert child.stdout.readline(), "the writer died early"
        time.sleep(pause)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with History.open(path) as h:
        db = h.db
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finished = db.execute("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL") \
            .fetchone()[0]
        assert finished >= 3
        # a run's stages land with its finish, a write's cells all at once, or not at all
        last = db.execute("SELECT max(id) FROM runs WHERE finished_at IS NOT NULL").fetchone()
        assert db.execute("SELECT run_id, count(*) FROM stage_now GROUP BY run_id"
                          ).fetchall() == [(last[0], 3000)]
        assert db.execute("SELECT DISTINCT (SELECT count FROM write_cells c WHERE "
                          "c.write_id = w.id) FROM writes w").fetchall() == [(1500,)]
        assert len(h.last_write("deals.xlsx").changes) == 1500
        assert len(h.previous_stages("deals.xlsx")) == 3000
        record(h, "deals.xlsx", DAY1, [deal("D-1", "lead")])  # and it keeps working
    assert not os.path.exists(str(path) + "-journal")


def test_a_database_locked_too_long_is_a_clear_error(tmp_path):
    path = tmp_path / "h.sqlite"
    with History.open(path) as h:
        h.db.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(SheetsalesError, match="could not be updated .*database is "
                                                      "locked.*let it finish"):
                h.start_run("deals.xlsx", "Deals", at(DAY1))
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        assert h.start_run("deals.xlsx", "Deals", at(DAY1)) == 1


# --- a history that stays small (issue 24) -----------------------------------------------

def make_v1(path, runs):
    """A history as sheetsales wrote it before v2: every stage of every run, every send."""
    db = history_at(path, 1)
    for n, (day, stages) in enumerate(runs, 1):
        db.execute("INSERT INTO runs (id, source, day, started_at, finished_at, outcome) "
                   "VALUES (?, 'deals.xlsx', ?, ?, ?, 'ok')",
                   (n, day.isoformat(), f"{day}T07:00:00+00:00", f"{day}T07:01:00+00:00"))
        db.executemany("INSERT INTO deal_stages VALUES (?, ?, ?, 2)",
                       [(n, deal_id, stage) for deal_id, stage in stages])
    for day in (DAY1, DAY1 + dt.timedelta(3)):
        db.execute("INSERT INTO reminders_sent (source, audience, owner, item, sent_on, "
                   "channel) VALUES ('deals.xlsx', 'owner', 'ana', 'D-1:DUE001:x:overdue', ?, "
                   "'smtp')", (day.isoformat(),))
    db.close()


def test_an_existing_history_is_migrated_in_place_with_the_same_answers(tmp_path):
    days = [DAY1 + dt.timedelta(n) for n in range(5)]
    runs = [(days[0], [("D-1", "lead"), ("D-2", "lead")]),
            (days[1], [("D-1", "contacted"), ("D-2", "lead")]),
            (days[2], [("D-1", "contacted")]),
            (days[3], [("D-1", "contacted"), ("D-2", "lead"), ("D-3", "won")]),
            (days[4], [("D-1", "contacted"), ("D-2", "lead"), ("D-4", "won"), ("D-4", "lead"),
                       ("D-5", None)])]
    path = tmp_path / "h.sqlite"
    make_v1(path, runs)
    source = tmp_path / "deals.xlsx"
    with History.open(path) as h:
        assert h.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert h.stages_since(source) == {"D-1": ("contacted", days[1]),
                                          "D-2": ("lead", days[0])}
        assert h.previous_stages(source) == {"D-1": "contacted", "D-2": "lead"}
        assert h.last_reminders(source) == {
            ("ana", "D-1:DUE001:x:overdue"): DAY1 + dt.timedelta(3)}
        tables = {name for name, in h.db.execute("SELECT name FROM sqlite_master")}
        assert not tables & {"deal_stages", "reminders_sent"}


def test_a_run_costs_the_same_whatever_the_nights_before(history):
    deals = [deal(f"D-{n}", "lead", n) for n in range(50)]
    for night in range(30):
        record(history, "deals.xlsx", DAY1 + dt.timedelta(night), deals)
        history.record_reminders("deals.xlsx", [("owner", "ana", "D-1:DUE001:x:overdue", None)],
                                 DAY1 + dt.timedelta(night), "smtp")
        history.journal_write(None, "deals.xlsx", [CellChange.of("Deals", "Q2", night, night + 1)],
                              keep=3)
    count = lambda table: history.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert (count("stage_now"), count("sent"), count("writes"), count("write_cells")) == \
        (50, 1, 3, 3)
    assert history.stages_since("deals.xlsx")["D-7"] == ("lead", DAY1)
    assert history.last_write("deals.xlsx").changes[0].new == 30


def test_closed_items_are_forgotten_after_a_month(history):
    history.record_reminders("deals.xlsx", [("owner", "ana", "old", None),
                                            ("owner", "ana", "open", None)], DAY1, "smtp")
    assert history.forget_closed("deals.xlsx", [("owner", "ana", "open")],
                                 DAY1 + dt.timedelta(10)) == 0
    assert history.forget_closed("deals.xlsx", [("owner", "ana", "open")],
                                 DAY1 + dt.timedelta(31)) == 1
    assert set(history.last_reminders("deals.xlsx")) == {("ana", "open")}


# --- errors that say what they are ------------------------------------------------------

def test_a_full_disk_is_said_and_the_database_kept(history):
    record(history, "deals.xlsx", DAY1, [deal("D-1", "lead")])
    history.db.execute("PRAGMA max_page_count = 1")  # SQLite answers as a full disk would
    noise = random.Random(1)  # text that does not deflate to nothing
    with pytest.raises(SheetsalesError) as caught:
        history.journal_write(None, "deals.xlsx",
                              [CellChange.of("Deals", f"Q{n}", None, noise.randbytes(100).hex())
                               for n in range(2, 400)])
    message = str(caught.value)
    assert "is full" in message and "free some space" in message
    assert "move it aside" not in message and "not a usable" not in message


def test_a_read_only_database_is_said_and_not_called_damaged(tmp_path):
    path = tmp_path / "h.sqlite"
    with History.open(path) as h:
        record(h, "deals.xlsx", DAY1, [deal("D-1", "lead")])
        h.db.execute("PRAGMA query_only = ON")  # SQLite answers as for a read-only file
        with pytest.raises(SheetsalesError) as caught:
            h.start_run("deals.xlsx", "Deals", at(DAY1))
    assert "cannot be written" in str(caught.value) and "read-only" in str(caught.value)
    assert "move it aside" not in str(caught.value)


def test_a_database_that_cannot_be_opened_is_said(tmp_path):
    (tmp_path / "h.sqlite").mkdir()  # a folder where the file should be
    with pytest.raises(SheetsalesError, match="cannot open the history database .*"
                                              "SQLITE_CANTOPEN") as caught:
        History.open(tmp_path / "h.sqlite")
    assert "move it aside" not in str(caught.value)


def test_only_sqlite_calls_a_file_damaged(tmp_path):
    path = tmp_path / "h.sqlite"
    with History.open(path) as h:
        for n in range(40):
            record(h, "deals.xlsx", DAY1, [deal(f"D-{n}-{m}", "lead") for m in range(50)])
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page but the schema's damaged
    path.write_bytes(bytes(data))
    with pytest.raises(SheetsalesError, match="not a usable history database: SQLite reports "
                                              "SQLITE_CORRUPT"):
        with History.open(path) as h:
            h.stages_since("deals.xlsx")


def test_a_journal_of_one_row_per_cell_is_packed_by_the_migration(tmp_path):
    """A v4 history journaled each cell as a row with JSON values; v5 packs each write's
    cells into one row, and undo reads them back with their types and order."""
    path = tmp_path / "h.sqlite"
    db = history_at(path, 4)
    stamp = "2026-03-02T07:00:00+00:00"
    db.executemany("INSERT INTO writes (id, source, kind, written_at, undone_at) "
                   "VALUES (?, 'deals.xlsx', 'write', ?, ?)",
                   [(1, stamp, None), (2, stamp, stamp), (3, stamp, None)])
    rows = [(1, "Deals", "Q2", "null", '"OK"'),
            (3, "Deals", "Q3", '"OK"', '"Overdue"'),
            (3, "Deals", "T3", "null", '{"$date": "2026-03-04"}'),
            (3, "Reminders", "B2", "1.5", '{"$datetime": "2026-03-04T07:00:00+00:00"}'),
            (2, "Deals", "Q9", "true", "false")]
    db.executemany("INSERT INTO journal (write_id, sheet, cell, old, new) VALUES (?, ?, ?, ?, ?)",
                   rows)
    db.close()
    source = tmp_path / "deals.xlsx"  # keyed relative to the history's folder
    with History.open(path) as h:
        last = h.last_write(source)
        assert last.id == 3
        assert last.changes == [
            CellChange.of("Deals", "Q3", "OK", "Overdue"),
            CellChange.of("Deals", "T3", None, dt.date(2026, 3, 4)),
            CellChange.of("Reminders", "B2", 1.5, dt.datetime(2026, 3, 4, 7, tzinfo=dt.UTC))]
        assert type(last.changes[1].new) is dt.date
        h.mark_undone(3)
        assert h.last_write(source).changes == [CellChange.of("Deals", "Q2", None, "OK")]
        tables = {name for name, in h.db.execute("SELECT name FROM sqlite_master")}
        assert "journal" not in tables
        assert h.db.execute("SELECT write_id, count FROM write_cells ORDER BY write_id"
                            ).fetchall() == [(1, 1), (2, 1), (3, 3)]
