"""The record of what sheetsales last wrote in its own cells (history_owned, schema v6): one
packed row per source, replaced on each write, read back with its dates, dropped by undo; a
v5 history gains it in place."""

import datetime as dt

from sheetsales.core.model import CellChange
from sheetsales.core.owned import STATUS_KEYS
from sheetsales.nightly.history import SCHEMA_VERSION, History

from helpers import history_at

DUE = dt.date(2026, 12, 2)


def test_one_record_per_source_replaced_on_each_write(tmp_path):
    source = tmp_path / "deals.xlsx"
    with History.open(tmp_path / "h.sqlite") as h:
        assert h.owned_record(source, STATUS_KEYS) is None  # a first run: nothing to compare
        for night in range(30):
            h.remember_owned(source, {"Deals": {"D-1": ["OK", None, "Call", DUE],
                                                f"D-{night + 2}": ["Overdue", "x", "y", None]},
                                      "$date": {"D-9": ["Idle", None, "z", None]}},
                             STATUS_KEYS)
        assert h.db.execute("SELECT count(*), sum(count) FROM owned_cells").fetchone() == (1, 3)
        record = h.owned_record(source, STATUS_KEYS)
        assert record["Deals"]["D-1"] == ["OK", None, "Call", DUE]
        assert type(record["Deals"]["D-1"][3]) is dt.date
        assert set(record["Deals"]) == {"D-1", "D-31"} and record["$date"]["D-9"][0] == "Idle"
        # read in another key order (a key the record lacks reads as None)
        assert h.owned_record(source, ("next_action_due", "status", "other"))["Deals"]["D-1"] \
            == [DUE, "OK", None]
        assert h.owned_record(tmp_path / "other.xlsx", STATUS_KEYS) is None


def test_undo_and_forget_drop_the_record(tmp_path):
    source = tmp_path / "deals.xlsx"
    with History.open(tmp_path / "h.sqlite") as h:
        h.remember_owned(source, {"Deals": {"D-1": ["OK", None, "Call", None]}}, STATUS_KEYS)
        write = h.journal_write(None, source, [CellChange.of("Deals", "L2", None, "OK")])
        h.mark_undone(write)
        assert h.owned_record(source, STATUS_KEYS) is None
        h.remember_owned(source, {"Deals": {}}, STATUS_KEYS)
        h.forget_owned(source)
        assert h.owned_record(source, STATUS_KEYS) is None


def test_a_v5_history_gains_the_record_in_place(tmp_path):
    path = tmp_path / "h.sqlite"
    db = history_at(path, 5)
    db.execute("INSERT INTO runs (source, day, started_at) VALUES ('deals.xlsx', "
               "'2026-11-27', '2026-11-27T07:00:00+00:00')")
    db.close()
    with History.open(path) as h:
        assert h.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        assert len(h.recent_runs()) == 1
        assert h.owned_record(tmp_path / "deals.xlsx", STATUS_KEYS) is None
        h.remember_owned(tmp_path / "deals.xlsx", {"Deals": {"D-1": ["OK"]}}, ("status",))
        assert h.owned_record(tmp_path / "deals.xlsx", STATUS_KEYS)["Deals"]["D-1"] == \
            ["OK", None, None, None]
