"""One sheetsales command at a time per source: a non-blocking file lock beside the workbook
(for a Google Sheet, in the config folder), so cron, the scheduler, `run`, `clean --apply`
and `undo` never interleave on one source."""

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import WriteConflict
from ..nightly.history import is_remote
from ..nightly.busy import busy_message
from ..nightly.delivery import safe_file_name


class SourceBusy(WriteConflict):
    """Another sheetsales run holds the source's lock."""


_held: dict[tuple[str, int], int] = {}
_held_guard = threading.Lock()


def lock_path(source: str | Path, base_dir: Path | None = None) -> Path:
    """`.sheetsales/<name>.lock` beside a file source; for a Google Sheet, in
    `.sheetsales/` of `base_dir` (the config folder) or the current folder."""
    if is_remote(source):
        digest = hashlib.sha256(str(source).encode()).hexdigest()[:12]
        return (base_dir or Path.cwd()) / ".sheetsales" / \
            f"{safe_file_name(str(source), 'sheet')[:40]}-{digest}.lock"
    path = Path(source).resolve()
    return path.parent / ".sheetsales" / f"{path.name}.lock"


@contextlib.contextmanager
def source_lock(source: str | Path, base_dir: Path | None = None) -> Iterator[Path]:
    """Hold the source's run lock (fcntl.flock, never waiting) or raise SourceBusy.
    The same thread may take it again inside (the scheduler and `run` both take it); the
    operating system drops it if the process dies."""
    import fcntl  # POSIX only

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
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 64, 0).decode(errors="replace").strip()
            raise SourceBusy(busy_message(source, path, holder)) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
        with _held_guard:
            _held[key] = 1
        try:
            yield path
        finally:
            with _held_guard:
                del _held[key]
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
