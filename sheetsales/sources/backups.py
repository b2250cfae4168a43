"""Backups of a workbook before each write, kept in .sheetsales/backups/ beside it, and undo.

A small JSON log beside the backups records, for each write, the backup's name and the
SHA-256 of the file sheetsales wrote; undo refuses when the workbook has changed since, so it
never throws away a person's later edits."""

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from contextlib import suppress
from pathlib import Path

from .atomic import atomic_file, file_stamp
from ..core.errors import WriteConflict

DEFAULT_KEEP = 10


def folder_for(path: Path) -> Path:
    return path.parent / ".sheetsales" / "backups"


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _log_path(path: Path) -> Path:
    return folder_for(path) / f"{path.name}.log.json"


def _read_log(path: Path) -> list[dict]:
    log = _log_path(path)
    return json.loads(log.read_text(encoding="utf-8")) if log.exists() else []


def _write_log(path: Path, entries: list[dict]) -> None:
    log = _log_path(path)
    tmp = log.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    os.replace(tmp, log)


def back_up(path: Path, now: dt.datetime) -> Path:
    """Copy the workbook, as it is before a write, into the backups folder."""
    folder = folder_for(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    backup = folder / f"{path.stem}.{stamp}{path.suffix}"
    partial = backup.with_name(f".~{backup.name}.tmp")  # a full disk leaves no half backup
    try:
        shutil.copy2(path, partial)
        os.replace(partial, backup)
    except BaseException:
        with suppress(OSError):
            partial.unlink()
        raise
    return backup


def record_write(path: Path, backup: Path, keep: int = DEFAULT_KEEP) -> None:
    """Log that `path` was written after `backup` was taken; prune to the last `keep`."""
    entries = _read_log(path) + [{"backup": backup.name, "written_sha256": digest(path)}]
    for old in entries[:-keep] if keep else entries:
        with suppress(OSError):
            (folder_for(path) / old["backup"]).unlink()
    _write_log(path, entries[-keep:] if keep else [])


def discard(backup: Path) -> None:
    """Remove a backup whose write did not happen."""
    with suppress(OSError):
        backup.unlink()


def undo(path: Path, force: bool = False) -> Path:
    """Restore the workbook as it was before sheetsales' last write, byte for byte."""
    entries = _read_log(path)
    if not entries:
        raise WriteConflict(f"there is no sheetsales write of {path.name} to undo")
    last = entries[-1]
    backup = folder_for(path) / last["backup"]
    if not backup.exists():
        raise WriteConflict(f"the backup {backup} is missing, so the last write cannot be undone")
    read = file_stamp(path) if path.exists() else None
    if not force and read and digest(path) != last["written_sha256"]:
        raise WriteConflict(f"{path.name} has changed since sheetsales wrote it; undoing would "
                            "lose those edits. Use --force to restore the backup anyway")

    def unchanged():
        if read and file_stamp(path) != read:
            raise WriteConflict(f"{path.name} changed while sheetsales was restoring it; "
                                "nothing was restored, run undo again")
    with atomic_file(path, stat.S_IMODE(os.stat(backup).st_mode), unchanged) as out, \
            backup.open("rb") as src:
        shutil.copyfileobj(src, out)
    os.utime(path, ns=(os.stat(backup).st_atime_ns, os.stat(backup).st_mtime_ns))
    backup.unlink()
    _write_log(path, entries[:-1])
    return backup
