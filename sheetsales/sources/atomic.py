"""Replacing a file safely: refused while Excel or LibreOffice has it open; otherwise a
temporary file beside it, fsynced, renamed over it in one `os.replace` (keeping its permission
bits), the folder fsynced; on any failure the temporary file goes and the original stays.
Where the rename itself is refused (Windows, a file another program holds open) the refusal
is FileOpenElsewhere. Only standard-library calls that Windows, macOS and Linux all have.
Used for workbooks, CSV files and restores from backups."""

import contextlib
import contextvars
import glob
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from ..core.durable import fsync_dir
from ..core.errors import FileOpenElsewhere, WriteConflict


TEMP_PREFIX = ".~sheetsales-"  # atomic_file's temporary files: .~sheetsales-NAME.*.tmp


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Remove the temporary files a killed write of `path` left beside it. Call only while
    holding the source's lock (operations.guard), so no live write's file is removed."""
    path = Path(os.path.realpath(path))  # the writer puts its file beside the real one
    removed = []
    for stale in path.parent.glob(f"{glob.escape(TEMP_PREFIX + path.name)}.*.tmp"):
        with suppress(OSError):
            stale.unlink()
            removed.append(stale)
    return removed


def file_stamp(path: Path) -> tuple:
    """What tells a changed file: modification time, size, inode."""
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size, info.st_ino


def office_lock_files(path: Path) -> list[Path]:
    """The lock files of an Excel or LibreOffice that has `path` open: Excel keeps `~$name`
    (for long names `~$` + the name minus its first two characters), LibreOffice
    `.~lock.name#`."""
    name = path.name
    candidates = (f"~${name}", f"~${name[2:]}", f".~lock.{name}#")
    return [path.parent / lock for lock in dict.fromkeys(candidates)
            if (path.parent / lock).exists()]


def refuse_if_open(path: Path) -> None:
    """Raise FileOpenElsewhere when `path` is open in Excel or LibreOffice: writing now would
    be saved over, or leave the person editing a file that changed under them."""
    locks = office_lock_files(Path(path))
    if locks:
        raise FileOpenElsewhere(
            f"{Path(path).name} is open in Excel or LibreOffice (lock file {locks[0].name}); "
            "nothing was written, close it there and run again")


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
            fd, self.tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{self.target.name}.",
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
                self._replace()
                fsync_dir(self.target.parent)
        except BaseException:
            with suppress(OSError):
                os.unlink(self.tmp)
            raise
        if kind is not None:
            with suppress(OSError):
                os.unlink(self.tmp)
        return False

    def _replace(self):
        # One rename onto the original name, never delete-and-create: a synced folder
        # (OneDrive, Dropbox, iCloud) then sees one new version of the same file, not a
        # deletion and a conflicted copy. Windows refuses to replace a file another program
        # holds open (Excel does, without leaving a lock file when it is read-only or the
        # lock file went elsewhere), and a read-only one.
        try:
            os.replace(self.tmp, self.target)
        except PermissionError:
            name = self.target.name
            raise FileOpenElsewhere(
                f"{name} is open in another program (or read-only), so it cannot be replaced; "
                f"nothing was written, close {name} in Excel and run again") from None
