"""`sheetsales run` on real .xlsx files: one surgical write, nothing else changed, idempotent,
refusals, undo; LibreOffice reads what was written."""

import datetime as dt
import os
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from helpers import CLEAN, OVERDUE, run_cli, write_deals
from libreoffice import read_csv, to_csv
from sheetsales.core.config import Config
from sheetsales.core.errors import WriteConflict
from sheetsales.operations.run import run_target
from sheetsales.sources.xlsx.target import XlsxTarget

TODAY = ["--today", "2026-11-27"]
HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Amount", "First contact", "Discovery on",
           "Proposal sent", "Confirmed on", "Delivery due", "Next step due", "Status"]


@pytest.fixture
def book(tmp_path):
    rows = [CLEAN + ["Active"], OVERDUE + ["At Risk"]]
    path = write_deals(tmp_path / "deals.xlsx", rows, headers=HEADERS)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Notes")["A1"] = "keep me"
    wb.save(path)
    return path


def entries(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def values(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_run_writes_status_columns_and_reminders_only(book):
    before = entries(book)
    run_cli(["run", book, *TODAY], 0, stdout="Wrote")
    after = entries(book)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert "xl/worksheets/sheet2.xml" not in changed  # the Notes sheet
    deals = values(book, "Deals")
    assert deals[0][11:16] == ["Status", "Pipeline status", "Flags", "Next action", "Next action due"]
    assert [r[11] for r in deals[1:]] == ["Active", "At Risk"]
    assert deals[2][12] == "Overdue" and deals[2][15] == dt.date(2026, 11, 24)
    reminders = values(book, "Reminders")
    assert reminders[1][:3] == ["Bo", "D-2", "Beta"]
    assert b"_sheetsales_status" in after["xl/workbook.xml"]


def test_second_run_leaves_every_byte_and_the_mtime(book):
    run_cli(["run", book, *TODAY], 0)
    stamp = (book.read_bytes(), os.stat(book).st_mtime_ns)
    run_cli(["run", book, *TODAY], 0, stdout="Nothing to change")
    assert (book.read_bytes(), os.stat(book).st_mtime_ns) == stamp


def test_dry_run_exits_1_and_writes_nothing(book):
    stamp = (book.read_bytes(), os.stat(book).st_mtime_ns)
    result = run_cli(["run", book, *TODAY, "--dry-run", "--all"], 1)
    assert 'Deals!M3 (D-2, Pipeline status): "" -> "Overdue"' in result.stdout
    assert (book.read_bytes(), os.stat(book).st_mtime_ns) == stamp
    run_cli(["run", book, *TODAY], 0)
    run_cli(["run", book, *TODAY, "--dry-run"], 0, stdout="Nothing to change")


def test_owned_columns_are_recorded_in_the_workbook(book):
    run_cli(["run", book, *TODAY], 0)
    target = XlsxTarget(book)
    assert target.owned_columns("Deals") == {"status": 12, "flags": 13, "next_action": 14,
                                             "next_action_due": 15}


def test_lock_files_refuse(book):
    stamp = book.read_bytes()
    for lock in (f"~${book.name}", f".~lock.{book.name}#"):
        (book.parent / lock).write_text("x")
        run_cli(["run", book, *TODAY], 2, stderr="is open in Excel or LibreOffice")
        (book.parent / lock).unlink()
    assert book.read_bytes() == stamp


def test_changed_since_read_refuses(book):
    target = XlsxTarget(book)
    os.utime(book, ns=(1, 1))
    with pytest.raises(WriteConflict, match="changed since sheetsales read it"):
        run_target(target, Config(), dt.date(2026, 11, 27))


def test_undo_restores_the_file_byte_for_byte(book):
    original = book.read_bytes()
    run_cli(["run", book, *TODAY], 0)
    assert book.read_bytes() != original
    run_cli(["undo", book], 0, stdout="Restored")
    assert book.read_bytes() == original
    run_cli(["undo", book], 2, stderr="no sheetsales write")


def test_csv_run_is_refused(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Deal ID,Company,Owner,Stage\nD-1,Acme,Ana,Lead\n")
    run_cli(["run", path], 2, stderr="save it as .xlsx")


def test_users_reminders_sheet_is_refused(book):
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Reminders")["A1"] = "my own reminders"
    wb.save(book)
    stamp = book.read_bytes()
    run_cli(["run", book, *TODAY], 2, stderr="did not create")
    assert book.read_bytes() == stamp


def test_libreoffice_reads_the_result(tmp_path, book):
    run_cli(["run", book, *TODAY], 0)
    out = to_csv([book], tmp_path)
    deals = read_csv(out, "deals", "Deals")
    assert deals[0][12] == "Pipeline status" and deals[2][12] == "Overdue"
    assert deals[2][15] == "2026-11-24"
    reminders = read_csv(out, "deals", "Reminders")
    assert reminders[1][:3] == ["Bo", "D-2", "Beta"]


def test_a_save_after_the_backup_is_refused_too(book, monkeypatch):
    """The file changes after sheetsales' own check but before the writer starts."""
    from sheetsales.sources import backups

    target = XlsxTarget(book)
    real_back_up = backups.back_up

    def back_up_then_someone_saves(path, now):
        backup = real_back_up(path, now)
        os.utime(path, ns=(5, 5))
        return backup

    monkeypatch.setattr(backups, "back_up", back_up_then_someone_saves)
    stamp = book.read_bytes()
    with pytest.raises(WriteConflict, match="changed since sheetsales read it"):
        run_target(target, Config(), dt.date(2026, 11, 27))
    assert book.read_bytes() == stamp
    assert not list(backups.folder_for(book).glob("deals.*.xlsx"))  # its backup discarded
