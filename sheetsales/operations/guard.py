"""The guard at the entry of every writing operation (`run`, `clean --apply`, `undo`): one
sheetsales command at a time per source (a non-blocking file lock beside the workbook; for a
Google Sheet, in the config folder), and no write to a file that is open in Excel or
LibreOffice."""

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..core.config import Config
from ..core.errors import SourceBusy
from ..core.sheet_id import is_remote, source_identity
from ..nightly.busy import DEADLINE_MINUTES, busy_message, process_alive
from ..nightly.delivery import safe_file_name
from ..sources.atomic import office_lock_files, refuse_if_open, remove_stale_temp_files


_held: dict[tuple[str, int], int] = {}
_held_guard = threading.Lock()
# How long to wait for the operating system to free the lock of a holder that has ended
# (Windows may take a moment after the process is gone); a live holder is never waited for.
ENDED_HOLDER_WAITS = (0.1, 0.2, 0.4, 0.8, 1.5)


def lock_path(source: str | Path, base_dir: Path | None = None) -> Path:
    """`.sheetsales/<name>.lock` beside a file source; for a Google Sheet, in
    `.sheetsales/` of `base_dir` (the config folder) or the current folder."""
    if is_remote(source):
        identity = source_identity(source)  # a URL and gsheet:KEY share one lock
        digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
        return (base_dir or Path.cwd()) / ".sheetsales" / \
            f"{safe_file_name(identity, 'sheet')[:40]}-{digest}.lock"
    path = Path(source).resolve()
    return path.parent / ".sheetsales" / f"{path.name}.lock"


def holder_path(lock: Path) -> Path:
    """The file beside a run lock that names the process holding it (its pid): the lock file
    itself cannot carry it on every platform (Windows locks its first byte against reading)."""
    return lock.with_name(lock.name + ".holder")


def _holder(lock: Path) -> tuple[str, float | None]:
    """The holding process's pid ("" when unknown) and when it took the lock."""
    try:
        text = holder_path(lock).read_text(encoding="ascii", errors="replace").strip()
        since = holder_path(lock).stat().st_mtime
    except OSError:
        return "", None
    return (text if text.isdigit() else ""), since


def _take(lock, source, path: Path, deadline_minutes: int,
          sleep: Callable[[float], None]) -> None:
    """Acquire `lock` at once, or raise SourceBusy naming its holder. A lock whose named
    holder has ended is taken over once the operating system frees it (it does when a
    process dies, on Windows a moment later): a few short tries, never deleting anything, so
    two takers can never both hold it."""
    import filelock

    waits = iter(ENDED_HOLDER_WAITS)
    while True:
        try:
            lock.acquire()
            return
        except filelock.Timeout:
            holder, since = _holder(path)
            running = not holder or process_alive(int(holder))
            wait = None if running else next(waits, None)
            if wait is None:
                raise SourceBusy(busy_message(source, path, holder, since,
                                              deadline_minutes=deadline_minutes,
                                              running=running)) from None
            sleep(wait)


@contextlib.contextmanager
def source_lock(source: str | Path, base_dir: Path | None = None, *,
                stuck_after_minutes: int = DEADLINE_MINUTES,
                sleep: Callable[[float], None] = time.sleep) -> Iterator[Path]:
    """Hold the source's run lock (a `filelock` lock: flock on POSIX, LockFileEx on Windows,
    never waiting for a live holder) or raise SourceBusy naming the holder's process, and
    saying it looks stuck when it has held the lock longer than `stuck_after_minutes` (the
    run deadline). The same thread may take it again inside (`demo` runs `run` inside its
    own); the operating system drops it if the process dies."""
    path = lock_path(source, base_dir)
    key = (str(path), threading.get_ident())
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    import filelock  # only writing commands pay for it

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=0)
    _take(lock, source, path, stuck_after_minutes, sleep)
    try:
        with contextlib.suppress(OSError):  # the pid is a courtesy to the refused
            holder_path(path).write_text(str(os.getpid()), encoding="ascii")
        with _held_guard:
            _held[key] = 1
        try:
            yield path
        finally:
            with _held_guard:
                del _held[key]
            with contextlib.suppress(OSError):
                holder_path(path).unlink()
    finally:
        lock.release()


@contextlib.contextmanager
def write_guard(source: str | Path, config: Config, *,
                refuse_open: bool = True) -> Iterator[list[str]]:
    """What every writing operation checks once, at its entry: it holds the source's lock for
    the whole operation (source_lock, in the config's folder, stuck after its run deadline),
    refuses (FileOpenElsewhere) a file that Excel or LibreOffice has open unless `refuse_open`
    is False, and removes the temporary files a killed write left (safe under the lock).
    Yields a list of warnings: with `refuse_open` False, the lock files it saw."""
    with source_lock(source, config.base_dir,
                     stuck_after_minutes=config.schedule.run_deadline_minutes):
        warnings: list[str] = []
        if not is_remote(source):
            path = Path(source)
            if refuse_open:
                refuse_if_open(path)
            else:
                warnings += [f"{path.name} is open in Excel or LibreOffice (lock file "
                             f"{lock.name})" for lock in office_lock_files(path)]
            remove_stale_temp_files(path)
        yield warnings
