"""A simulated non-POSIX machine, for running the lock, write, undo and clean tests a second
time as Windows would run them (issue 17).

What it changes, for the duration of one test:
- `fcntl`, `termios`, `tty`, `pty`, `resource`, `pwd` and `grp` cannot be imported;
- the POSIX-only names of `os` that our code could reach for (`os.pread`, `os.pwrite`,
  `os.link`, `os.symlink`, `os.fork`, `os.getuid`, ...) are gone;
- files behave as on Windows, where Python opens a file without FILE_SHARE_DELETE: replacing,
  renaming or deleting a file that any handle holds open raises PermissionError (a sharing
  violation, as when Excel has the workbook open), and `os.rename` onto an existing name
  raises FileExistsError.

"Open" is read from /proc/self/fd: a test holds a file open as Excel would by opening it.

What it cannot change: `os.name` and `sys.platform` stay POSIX (pathlib and the standard
library would break otherwise), so code behind `if sys.platform == "win32"` is not run;
third-party modules keep the backend they chose when first imported (filelock is imported
before fcntl goes, so it keeps flock here; on Windows it uses LockFileEx); subprocesses run
unsimulated.
"""

import contextlib
import errno
import os
import sys
from pathlib import Path

import pytest

BLOCKED_MODULES = ("fcntl", "termios", "tty", "pty", "resource", "pwd", "grp")
# Not removed although Windows lacks them: names the standard library's own POSIX code calls
# at run time here (subprocess uses os.waitpid and WNOHANG, shutil os.sendfile), which on
# Windows it does not reach.
REMOVED_OS_NAMES = ("pread", "pwrite", "preadv", "pwritev", "link", "symlink", "fork",
                    "forkpty", "getuid", "geteuid", "getgid", "getegid", "getgroups",
                    "setuid", "seteuid", "killpg", "setsid", "setpgid", "getpgid", "chown",
                    "lchown", "fchown", "fchmod", "lchmod", "sync", "fdatasync", "mkfifo",
                    "mknod", "statvfs", "fstatvfs", "posix_fallocate", "O_DIRECTORY",
                    "O_NOFOLLOW", "O_SYNC", "O_DSYNC")
SHARING_VIOLATION = 32  # ERROR_SHARING_VIOLATION, as winerror


def open_elsewhere(path: str | os.PathLike) -> bool:
    """Whether any handle of this process has `path` open (a missing file: no)."""
    try:
        wanted = os.stat(path)
    except OSError:
        return False
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            seen = os.stat(f"/proc/self/fd/{fd}")
            if (seen.st_dev, seen.st_ino) == (wanted.st_dev, wanted.st_ino):
                return True
    return False


def _sharing_violation(path) -> PermissionError:
    error = PermissionError(errno.EACCES, "The process cannot access the file because it is "
                            "being used by another process", os.fspath(path))
    error.winerror = SHARING_VIOLATION
    return error


def simulate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn this process into the simulated non-POSIX machine until `monkeypatch` undoes it."""
    import filelock  # noqa: F401  (chooses its backend now, as it does on a real machine)

    for name in BLOCKED_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # `import fcntl` raises ImportError
    for name in REMOVED_OS_NAMES:
        monkeypatch.delattr(os, name, raising=False)
    replace, rename, unlink = os.replace, os.rename, os.unlink

    def windows_replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        for path in (src, dst):
            if open_elsewhere(path):
                raise _sharing_violation(path)
        return replace(src, dst)

    def windows_rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "Cannot create a file when that file already "
                                  "exists", os.fspath(dst))
        if open_elsewhere(src):
            raise _sharing_violation(src)
        return rename(src, dst)

    def windows_unlink(path, *, dir_fd=None):
        if open_elsewhere(path):
            raise _sharing_violation(path)
        return unlink(path)
    monkeypatch.setattr(os, "replace", windows_replace)
    monkeypatch.setattr(os, "rename", windows_rename)
    monkeypatch.setattr(os, "unlink", windows_unlink)
    monkeypatch.setattr(os, "remove", windows_unlink)


@contextlib.contextmanager
def held_open(path: Path):
    """Hold `path` open, as Excel on Windows does with the workbook it shows."""
    with open(path, "rb") as handle:
        yield handle
