"""What went wrong with the history database, in one sentence each, from SQLite's own error
code: a full disk, a read-only file or folder, a file that cannot be opened, a lock held too
long, a disk error, and only when SQLite says so, a file that is not a database or is
damaged. Only that last one advises moving the file aside: every other sentence keeps an
intact database, whose journal backs `undo` and whose reminder log stops duplicate e-mails."""

import sqlite3
from pathlib import Path

from ..core.errors import SheetsalesError


class HistoryError(SheetsalesError):
    """The history database could not be opened, read or updated."""


def explain(exc: BaseException, path: Path, doing: str = "update") -> HistoryError:
    """`exc` (an sqlite3.Error or OSError) as a HistoryError that says what it is and the fix;
    `doing` is "open", "read" or "update"."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    detail = f"{name}: {exc}" if name else str(exc)
    if name.startswith("SQLITE_FULL") or (isinstance(exc, OSError) and exc.errno == 28):
        return HistoryError(f"the disk holding the history database {path} is full "
                            f"({detail}); the database is intact: free some space and run "
                            "again")
    if name.startswith("SQLITE_READONLY") or (isinstance(exc, OSError) and exc.errno in (13, 30)):
        return HistoryError(f"the history database {path} cannot be written ({detail}): the "
                            "file, its folder or the disk is read-only for this user; make "
                            "them writable, or set [history] database to a writable place")
    if name.startswith("SQLITE_CANTOPEN") or isinstance(exc, OSError):
        return HistoryError(f"cannot open the history database {path} ({detail}); check that "
                            "its folder exists and this user may read and write it, or set "
                            "[history] database")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return HistoryError(f"the history database {path} could not be {_past(doing)} "
                            f"because another program held it locked too long ({detail}); "
                            "if another sheetsales is running, let it finish, then run again")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return HistoryError(f"{path} is not a usable history database: SQLite reports "
                            f"{detail}; move it aside and sheetsales will start a new one "
                            "(reminders already sent may then be sent once more)")
    if name.startswith("SQLITE_IOERR"):
        return HistoryError(f"the disk failed while the history database {path} was being "
                            f"{_past(doing)} ({detail}); the database is intact up to its "
                            "last commit: check the disk, then run again")
    return HistoryError(f"the history database {path} could not be {_past(doing)} "
                        f"({detail}); nothing in it was discarded: run again, and report "
                        "this error if it stays")


def _past(doing: str) -> str:
    return {"open": "opened", "read": "read", "update": "updated"}.get(doing, doing)


DATABASE_ERRORS = (sqlite3.Error, OSError)
