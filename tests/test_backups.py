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
