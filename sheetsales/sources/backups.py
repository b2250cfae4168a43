"""Backups of a workbook before each write, kept in .sheetsales/backups/ beside it, and undo.

A small JSON log beside the backups records, for each write, the backup's name and the
SHA-256 of the file sheetsales wrote; undo refuses when the workbook has changed since, so it
never throws away a person's later edits.

Surviving a kill: `guarded_write` takes the backup, and just before the new file is renamed
into place (atomic.before_replace) logs a *pending* entry with the hash of the file about to
land. Whatever moment the process dies, the next write or undo settles it (`settle`): the
file has that hash (or was edited since): the write landed; the file still has the backup's
content: it did not, and the entry and its backup go. Backups no entry names (a kill
between the copy and the pending entry) are pruned then too."""

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from contextlib import suppress
from pathlib import Path

from . import atomic
from .atomic import atomic_file, file_stamp
from ..core.durable import fsync_dir
from ..core.errors import WriteConflict

DEFAULT_KEEP = 10


def folder_for(path: Path) -> Path:
    return path.parent / ".sheetsales" / "backups"


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with Path(path).open("rb") as handle:
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
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(entries, indent=1))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, log)
    fsync_dir(log.parent)


def written_before(path: Path) -> bool:
    """Whether sheetsales has a logged write of `path` (its backups log is not empty)."""
    try:
        return bool(_read_log(path))
    except (OSError, ValueError):
        return True  # a log that exists but cannot be read still says we wrote here


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


@contextlib.contextmanager
def guarded_write(path: Path, now: dt.datetime, keep: int = DEFAULT_KEEP):
    """Around one write of `path`: settle what a killed write left, back the file up, log a
    pending entry just before the new file lands, and settle it after; a write that fails
    discards its backup. Yields the backup's path."""
    settle(path)
    backup = back_up(path, now)
    landing = []
    log = _log_path(path)

    def before_replace(tmp: Path, target: Path) -> None:
        if Path(target).resolve() == Path(path).resolve():
            landing.append(log.read_bytes() if log.exists() else None)
            _write_log(path, _read_log(path) + [
                {"backup": backup.name, "written_sha256": digest(tmp), "pending": True}])
    try:
        with atomic.before_replace(before_replace):
            yield backup
    except BaseException:
        if landing:  # logged, but the rename itself failed: the old file and log stay
            if landing[0] is None:
                log.unlink(missing_ok=True)
            else:
                _write_log(path, json.loads(landing[0]))
        discard(backup)
        raise
    if landing:
        entries = [{k: v for k, v in e.items() if k != "pending"} if e["backup"] == backup.name
                   else e for e in _read_log(path)]
        _prune(path, entries, keep)
    else:
        discard(backup)  # nothing was written (every part came out identical)


def record_write(path: Path, backup: Path, keep: int = DEFAULT_KEEP) -> None:
    """Log that `path` was written after `backup` was taken; prune to the last `keep`."""
    _prune(path, _read_log(path) + [{"backup": backup.name, "written_sha256": digest(path)}],
           keep)


def _prune(path: Path, entries: list[dict], keep: int) -> None:
    for old in entries[:-keep] if keep else entries:
        with suppress(OSError):
            (folder_for(path) / old["backup"]).unlink()
    _write_log(path, entries[-keep:] if keep else [])


def settle(path: Path) -> list[str]:
    """Settle the pending entries a killed write left, and remove the backups of `path` that
    no entry names; returns one line per thing done."""
    folder = folder_for(path)
    if not folder.is_dir():
        return []
    done, entries, changed = [], _read_log(path), False
    current = digest(path) if path.exists() else None
    for entry in list(entries):
        if not entry.get("pending"):
            continue
        backup = folder / entry["backup"]
        if current != entry["written_sha256"] and backup.exists() and \
                digest(backup) == current:
            entries.remove(entry)  # the new file never landed
            discard(backup)
            done.append(f"a write of {path.name} interrupted before it landed was dropped")
        else:
            del entry["pending"]
            done.append(f"a write of {path.name} interrupted after it landed was recorded "
                        "for undo")
        changed = True
    if changed:
        _write_log(path, entries)
    named = {entry["backup"] for entry in entries}
    for found in folder.glob(f"{path.stem}.*{path.suffix}"):
        stamp = found.name[len(path.stem) + 1:len(found.name) - len(path.suffix)]
        if found.name not in named and _is_our_stamp(stamp):
            discard(found)
            done.append(f"an orphaned backup {found.name} was removed")
    return done


def _is_our_stamp(text: str) -> bool:
    """Backups are named <stem>.<YYYYmmddTHHMMSSffffff><suffix>."""
    return len(text) == 21 and text[8] == "T" and (text[:8] + text[9:]).isdigit()


def discard(backup: Path) -> None:
    """Remove a backup whose write did not happen."""
    with suppress(OSError):
        backup.unlink()


def undo(path: Path, force: bool = False) -> Path:
    """Restore the workbook as it was before sheetsales' last write, byte for byte."""
    settle(path)
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
