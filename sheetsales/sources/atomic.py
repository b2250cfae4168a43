"""Replacing a file atomically: a temporary file beside it, fsynced, renamed over it (keeping
its permission bits), the folder fsynced; on any failure the temporary file goes and the
original stays. Used for workbooks, CSV files and restores from backups."""

import contextlib
import contextvars
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from ..core.errors import WriteConflict


_before_replace: contextvars.ContextVar = contextvars.ContextVar("before_replace",
                                                               default=None)


@contextlib.contextmanager
def before_replace(hook):
    """Within the block, every atomic_file calls `hook(temporary path, target)` once its
    temporary file is complete, just before renaming it into place (backups log the hash of
    the file about to land there, so a kill after the rename still leaves undo possible)."""
    token = _before_replace.set(hook)
    try:
        yield
    finally:
        _before_replace.reset(token)


class atomic_file:
    """A temporary file beside `target` that replaces it on success and vanishes on failure."""

    def __init__(self, target: Path, mode: int, check=lambda: None):
        """`mode`: the permission bits to give it; `check` runs just before the rename and
        may raise to keep the original."""
        self.target, self.mode, self.check = target, mode, check

    def __enter__(self):
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".~sheetsales-{self.target.name}.",
                                            suffix=".tmp", dir=self.target.parent)
        except OSError as exc:
            raise WriteConflict(f"cannot create a file in {self.target.parent} "
                                f"({exc.strerror}); check that folder's permissions") from None
        self.fp = os.fdopen(fd, "w+b")
        return self.fp

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self.fp.flush()
                os.fsync(self.fp.fileno())
            self.fp.close()
            if kind is None:
                os.chmod(self.tmp, self.mode)
                self.check()
                hook = _before_replace.get()
                if hook is not None:
                    hook(Path(self.tmp), self.target)
                os.replace(self.tmp, self.target)
                fsync_dir(self.target.parent)
        except BaseException:
            with suppress(OSError):
                os.unlink(self.tmp)
            raise
        if kind is not None:
            with suppress(OSError):
                os.unlink(self.tmp)
        return False


def fsync_dir(folder: Path):
    """Make a rename in `folder` durable."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
