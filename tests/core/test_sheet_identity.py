"""One identity per Google Sheet (issue 19): a URL, gsheet:KEY and gsheet:KEY/Tab name one
spreadsheet, so its history, its lock, its sent reminders and `undo` are one; an existing
history kept under the old forms is moved to the one identity."""

import datetime as dt
import subprocess
import sys

import pytest

from helpers import history_at, run_cli
from sheetsales.core.sheet_id import source_identity, spreadsheet_id
from sheetsales.nightly.history import SCHEMA_VERSION, History
from sheetsales.operations.guard import lock_path

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
FORMS = [f"gsheet:{KEY}", f"gsheet:{KEY}/Deals", f"https://docs.google.com/spreadsheets/d/{KEY}/edit",
         f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0",
         f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit?usp=sharing"]
DAY = dt.date(2026, 11, 27)


def at(day):
    return dt.datetime.combine(day, dt.time(7), dt.timezone.utc)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_a_sheet_is_one_identity(form, tmp_path):
    assert spreadsheet_id(form) == KEY and source_identity(form) == f"gsheet:{KEY}"
    assert lock_path(form, tmp_path) == lock_path(FORMS[0], tmp_path)


@pytest.mark.parametrize("other", ["deals.xlsx", "/tmp/deals.xlsx", "gsheet:short",
                                   "https://example.com/d/x"])
def test_anything_else_keeps_its_name(other):
    assert spreadsheet_id(other) is None and source_identity(other) == other


def test_the_identity_module_needs_no_gspread():
    code = ("import sys, sheetsales.nightly.history, sheetsales.operations.guard; "
            "sys.exit('gspread' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_runs_reminders_and_writes_by_url_are_found_by_key(tmp_path):
    with History.open(tmp_path / "h.sqlite") as h:
        run = h.start_run(FORMS[2], "Deals", at(DAY), DAY)
        h.finish_run(run, "ok", {}, finished=at(DAY))
        h.record_reminder(FORMS[3], "ana", "D-1:DUE001", DAY, "smtp")
        assert h.last_run(FORMS[0]).id == run
        assert h.last_reminders(FORMS[1]) == {("ana", "D-1:DUE001"): DAY}
        assert [r.source for r in h.recent_runs()] == [f"gsheet:{KEY}"]


def make_v2(path, rows):
    """A history as sheetsales wrote it before one identity per sheet: sources as given."""
    db = history_at(path, 2)
    for sql, args in rows:
        db.execute(sql, args)
    db.close()


def test_a_history_under_the_old_forms_is_migrated_keeping_the_later_records(tmp_path):
    sent = ("INSERT INTO sent (source, audience, owner, item, sent_on, channel) VALUES "
            "(?, 'owner', 'ana', ?, ?, 'smtp')")
    run = ("INSERT INTO runs (source, day, started_at, finished_at, outcome) VALUES "
           "(?, ?, ?, ?, 'ok')")
    path = tmp_path / "h.sqlite"
    make_v2(path, [
        (run, (FORMS[2], "2026-11-25", "2026-11-25T07:00:00+00:00", "2026-11-25T07:01:00+00:00")),
        (run, (FORMS[1], "2026-11-26", "2026-11-26T07:00:00+00:00", "2026-11-26T07:01:00+00:00")),
        (run, ("deals.xlsx", "2026-11-26", "2026-11-26T07:00:00+00:00",
               "2026-11-26T07:01:00+00:00")),
        (sent, (FORMS[2], "D-1:DUE001", "2026-11-25")),
        (sent, (FORMS[0], "D-1:DUE001", "2026-11-20")),  # an older send by key: the URL's wins
        (sent, (FORMS[1], "D-2:DUE005", "2026-11-26")),
        (sent, ("deals.xlsx", "D-1:DUE001", "2026-11-01")),
        ("INSERT INTO writes (run_id, source, kind, written_at) VALUES (1, ?, 'write', ?)",
         (FORMS[2], "2026-11-25T07:01:00+00:00")),
    ])
    with History.open(path) as h:
        assert h.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert h.last_reminders(FORMS[0]) == {("ana", "D-1:DUE001"): dt.date(2026, 11, 25),
                                              ("ana", "D-2:DUE005"): dt.date(2026, 11, 26)}
        assert h.db.execute("SELECT item, sent_on FROM sent WHERE source = 'deals.xlsx'"
                            ).fetchall() == [("D-1:DUE001", "2026-11-01")]  # a file: untouched
        assert [r.day for r in h.recent_runs(FORMS[4])] == [dt.date(2026, 11, 26),
                                                           dt.date(2026, 11, 25)]
        assert h.last_write(FORMS[0]) is not None
        sources = {s for (s,) in h.db.execute(
            "SELECT source FROM runs UNION SELECT source FROM sent UNION SELECT source FROM writes")}
        assert sources == {f"gsheet:{KEY}", "deals.xlsx"}


HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
ROWS = [["D-1", "Acme", "Ana", "Proposal", 1200, "2026-11-20", "", ""],
        ["D-2", "Beta", "Bo", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-24"]]


def test_undo_by_key_after_a_run_by_url(emu, google):
    sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                     "values": [HEADER, *ROWS]}]})
    url = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0"
    run_cli(["run", url, "--today", "2026-11-27"], 0, stdout="Wrote")
    deals = next(s for s in emu.dump(sid, "FORMULA")["sheets"] if s["title"] == "Deals")
    assert any(len(r) > 8 and any(r[8:]) for r in deals["values"])
    run_cli(["undo", f"gsheet:{sid}"], 0)
    deals = next(s for s in emu.dump(sid, "FORMULA")["sheets"] if s["title"] == "Deals")
    assert all(len(r) <= 8 or not any(r[8:]) for r in deals["values"])
