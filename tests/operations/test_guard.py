"""Every write honours a file that is open in Excel or LibreOffice (issue 20): run, clean
--apply and undo, on .xlsx, .xlsm and .csv, with each kind of lock file, are refused with the
same sentence and exit 2, the file and its backups untouched; `undo --force` restores and
says what it risks. And a file changed between undo's read and its write is not clobbered."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import BROKEN, CLEAN, OVERDUE, run_cli, write_deals
from lock_holder import hold
from sheetsales.core.errors import SourceBusy
from sheetsales.nightly.busy import process_alive
from sheetsales.operations.guard import ENDED_HOLDER_WAITS, holder_path, lock_path, source_lock

TODAY = ["--today", "2026-11-27"]
LOCKS = {"excel": "~${name}", "excel-long": "~${short}", "libreoffice": ".~lock.{name}#"}
REFUSAL = "is open in Excel or LibreOffice (lock file {lock}); nothing was written, close it " \
          "there and run again"


def lock_name(kind: str, path: Path) -> str:
    return LOCKS[kind].format(name=path.name, short=path.name[2:])


def make_source(tmp_path: Path, suffix: str) -> Path:
    """A deals sheet with work for every command: whitespace to clean, statuses to write."""
    rows = [[" D-1 ", *CLEAN[1:]], OVERDUE, BROKEN]
    if suffix == ".csv":
        path = tmp_path / "deals.csv"
        book = write_deals(tmp_path / "deals.xlsx", rows)
        import openpyxl
        sheet = openpyxl.load_workbook(book).active
        lines = [",".join("" if c.value is None else str(c.value)
                          for c in row) for row in sheet.iter_rows()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        book.unlink()
        return path
    path = write_deals(tmp_path / f"deals{suffix}", rows)
    return path


def snapshot(path: Path) -> dict:
    """The file's bytes and every file of its .sheetsales folder (backups, logs)."""
    folder = path.parent / ".sheetsales"
    return {"file": path.read_bytes(),
            "state": {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
                      if p.is_file() and p.suffix != ".lock" and "history" not in p.name}
            if folder.exists() else {}}


def write_once(path: Path) -> None:
    """One write to undo: statuses on a workbook, a whitespace cleanup on a CSV."""
    if path.suffix == ".csv":
        run_cli(["clean", "whitespace", path, "--apply"], 0)
    else:
        run_cli(["run", path, *TODAY], 0)


COMMANDS = {
    "run": lambda p: ["run", p, *TODAY],
    "clean --apply": lambda p: ["clean", "whitespace", p, "--apply"],
    "undo": lambda p: ["undo", p],
}


# `run` never writes a CSV (refused as a CSV whatever its state, tested in test_run_xlsx)
CASES = [(command, suffix, lock) for command in COMMANDS for suffix in (".xlsx", ".xlsm", ".csv")
         for lock in LOCKS if not (command == "run" and suffix == ".csv")]


@pytest.mark.parametrize("command, suffix, lock_kind", CASES)
def test_every_write_is_refused_while_the_file_is_open(tmp_path, command, suffix, lock_kind):
    path = make_source(tmp_path, suffix)
    if command == "undo":
        write_once(path)
    before = snapshot(path)
    lock = lock_name(lock_kind, path)
    (path.parent / lock).write_text("someone", encoding="utf-8")
    result = run_cli(COMMANDS[command](path), 2)
    assert REFUSAL.format(lock=lock) in result.stderr
    assert snapshot(path) == before
    (path.parent / lock).unlink()
    run_cli(COMMANDS[command](path), 0)  # closed in Excel: the same command now works
    assert snapshot(path)["file"] != before["file"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_undo_force_restores_an_open_file_and_says_what_it_risks(tmp_path, suffix):
    path = make_source(tmp_path, suffix)
    original = path.read_bytes()
    write_once(path)
    (path.parent / f"~${path.name}").write_text("someone", encoding="utf-8")
    result = run_cli(["undo", path, "--force"], 0)
    assert path.read_bytes() == original
    assert f"{path.name} is open in Excel or LibreOffice (lock file ~${path.name}): save " \
           "nothing there, close it without saving" in result.stdout


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_undo_refuses_a_file_saved_while_it_restores(tmp_path, suffix, monkeypatch):
    """Someone saves the file after undo compared it with what sheetsales wrote and before
    the restore replaces it: their save wins, undo is refused and can be run again."""
    from sheetsales.sources import backups

    path = make_source(tmp_path, suffix)
    write_once(path)
    copy = backups.shutil.copyfileobj

    def restore_while_someone_saves(source, out, *args):
        copy(source, out, *args)  # the restored bytes are in the temporary file, not yet moved
        with path.open("ab") as handle:
            handle.write(b"\n")
    monkeypatch.setattr(backups.shutil, "copyfileobj", restore_while_someone_saves)
    run_cli(["undo", path], 2, stderr=f"{path.name} changed while sheetsales was restoring it; "
                                      "nothing was restored, run undo again")
    assert path.read_bytes().endswith(b"\n")  # their save stands


def test_a_csv_cleanup_refuses_a_file_saved_after_it_was_read(tmp_path, monkeypatch):
    from sheetsales.sources.csv import CsvTarget

    path = make_source(tmp_path, ".csv")
    apply = CsvTarget.apply_cells

    def someone_saves_first(self, changes):
        shutil.copy(path, tmp_path / "copy.csv")
        path.write_text(path.read_text(encoding="utf-8") + "D-9,Late,Ann\n", encoding="utf-8")
        return apply(self, changes)
    monkeypatch.setattr(CsvTarget, "apply_cells", someone_saves_first)
    run_cli(["clean", "whitespace", path, "--apply"], 2,
            stderr="deals.csv changed since sheetsales read it; nothing was written")
    assert path.read_text(encoding="utf-8").endswith("D-9,Late,Ann\n")


# --- the run lock's holder: stuck, ended, taken over (issue 24 item 2) -------------------------

def _ended_pid() -> int:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def test_process_alive_tells_a_running_process_from_an_ended_one():
    assert process_alive(os.getpid())
    assert not process_alive(_ended_pid())


def test_a_lock_whose_holder_ended_is_taken_over_once_the_system_frees_it(tmp_path):
    """As on Windows, where a dead process's lock is freed a moment after it is gone: the lock
    is still held (by a live process here) while its .holder names a process that ended."""
    source = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    holder = hold(source)
    holder_path(lock_path(source)).write_text(str(_ended_pid()), encoding="ascii")
    waits = []

    def sleep(seconds):  # the system frees the lock during the second wait
        waits.append(seconds)
        if len(waits) == 2:
            holder.communicate("\n")
    with source_lock(source, sleep=sleep) as path:
        assert holder_path(path).read_text(encoding="ascii") == str(os.getpid())
    assert waits == [0.1, 0.2]


def test_a_lock_whose_ended_holder_is_never_freed_is_refused_saying_so(tmp_path):
    source = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    holder = hold(source)
    try:
        ended = _ended_pid()
        holder_path(lock_path(source)).write_text(str(ended), encoding="ascii")
        waits = []
        with pytest.raises(SourceBusy, match=rf"still locked by process {ended}, which has "
                                             r"ended; .* run again in a minute"):
            with source_lock(source, sleep=waits.append):
                pass
        assert waits == list(ENDED_HOLDER_WAITS)  # bounded, then refused
        holder_path(lock_path(source)).write_text(str(holder.pid), encoding="ascii")
        waits.clear()
        with pytest.raises(SourceBusy, match=rf"\(process {holder.pid}\)"):
            with source_lock(source, sleep=waits.append):
                pass
        assert waits == []  # a live holder is never waited for
    finally:
        holder.communicate("\n")


def test_a_killed_holders_lock_is_taken_at_once_and_renamed(tmp_path):
    source = write_deals(tmp_path / "deals.xlsx", [CLEAN])
    holder = hold(source)
    holder.kill()
    holder.communicate()
    assert holder_path(lock_path(source)).read_text(encoding="ascii") == str(holder.pid)
    with source_lock(source, sleep=lambda s: pytest.fail("nothing to wait for")) as path:
        assert holder_path(path).read_text(encoding="ascii") == str(os.getpid())
