import datetime as dt
import os

import pytest

from sheetsales.sources import backups
from sheetsales.core.errors import WriteConflict

NOW = dt.datetime(2026, 11, 27, 7, 0)


def write_then_log(path, content, n):
    backup = backups.back_up(path, NOW + dt.timedelta(seconds=n))
    path.write_bytes(content)
    backups.record_write(path, backup, keep=3)
    return backup


def test_undo_restores_bytes_and_mtime(tmp_path):
    path = tmp_path / "deals.xlsx"
    path.write_bytes(b"original")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    write_then_log(path, b"written by sheetsales", 1)
    backups.undo(path)
    assert path.read_bytes() == b"original"
    assert os.stat(path).st_mtime_ns == 1_000_000_000
    with pytest.raises(WriteConflict, match="no sheetsales write"):
        backups.undo(path)


def test_undo_walks_back_write_by_write_and_keeps_last_n(tmp_path):
    path = tmp_path / "deals.xlsx"
    path.write_bytes(b"v0")
    for n in range(1, 6):
        write_then_log(path, f"v{n}".encode(), n)
    assert len(list(backups.folder_for(path).glob("deals.*.xlsx"))) == 3
    for expected in (b"v4", b"v3", b"v2"):
        backups.undo(path)
        assert path.read_bytes() == expected
    with pytest.raises(WriteConflict):
        backups.undo(path)


def test_undo_refuses_after_a_person_edited(tmp_path):
    path = tmp_path / "deals.xlsx"
    path.write_bytes(b"v0")
    write_then_log(path, b"v1", 1)
    path.write_bytes(b"v1 plus a person's edit")
    with pytest.raises(WriteConflict, match="changed since sheetsales wrote it"):
        backups.undo(path)
    assert path.read_bytes() == b"v1 plus a person's edit"
    backups.undo(path, force=True)
    assert path.read_bytes() == b"v0"


# --- undo survives any kill (issue 24) ------------------------------------------------------

import subprocess  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
from pathlib import Path  # noqa: E402

from helpers import CLEAN, OVERDUE, run_cli, write_deals  # noqa: E402

KILL_AT = textwrap.dedent("""
    import os, signal, sys
    from sheetsales.sources import atomic, backups
    where, workbook = sys.argv[1], sys.argv[2]
    if where == "after the rename":  # settling the log is the first thing after it
        backups._prune = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    else:  # the pending entry is logged, the rename not done
        real = os.replace
        def replace(src, dst):
            if os.path.basename(str(dst)) == os.path.basename(workbook):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst)
        atomic.os.replace = replace
    from sheetsales.cli import cli
    cli(sys.argv[3:])
""")


def killed_run(tmp_path, where, day):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    workbook = tmp_path / "deals.xlsx"
    child = subprocess.run([sys.executable, "-c", KILL_AT, where, str(workbook), "run",
                            str(workbook), "--today", day], env=env, capture_output=True)
    assert child.returncode == -signal.SIGKILL, child.stderr


@pytest.mark.parametrize("where", ["after the rename", "before the rename"])
def test_undo_after_a_first_run_killed_around_the_rename(tmp_path, where):
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    original = path.read_bytes()
    killed_run(tmp_path, where, "2026-11-27")
    landed = path.read_bytes() != original
    assert landed is (where == "after the rename")
    if landed:
        run_cli(["undo", path], 0)  # used to find nothing to undo
    else:
        run_cli(["undo", path], 2, stderr="no sheetsales write")
    assert path.read_bytes() == original
    assert not list(backups.folder_for(path).glob("deals.*.xlsx"))


def test_undo_after_a_later_night_killed_after_the_rename_restores_the_last_night(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    run_cli(["run", path, "--today", "2026-11-27"], 0)
    night_one = path.read_bytes()
    killed_run(tmp_path, "after the rename", "2026-12-20")
    assert path.read_bytes() != night_one
    run_cli(["undo", path], 0)  # used to claim a person edited it, and --force went too far
    assert path.read_bytes() == night_one


def test_orphaned_backups_are_pruned_on_the_next_write(tmp_path):
    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    folder = backups.folder_for(path)
    folder.mkdir(parents=True)
    orphan = folder / "deals.20260101T000000000000.xlsx"
    orphan.write_bytes(b"left by a kill between the copy and the log")
    keep = folder / "deals.notes.xlsx"  # not a name sheetsales gives
    keep.write_bytes(b"a person's file")
    run_cli(["run", path, "--today", "2026-11-27"], 0)
    assert not orphan.exists() and keep.exists()
    assert len(list(folder.glob("deals.2*.xlsx"))) == 1
