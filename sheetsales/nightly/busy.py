"""What to say when another command holds a source's lock: the holder's process, whether it
still runs, and how long it has held the lock (`since`: when the holder took it); when that is
longer than a run may take ([schedule] run_deadline_minutes), that it looks stuck and how to
free it."""

import datetime as dt
import os
import sys
import time
from pathlib import Path

from ..core.settings import ScheduleSettings

DEADLINE_MINUTES = ScheduleSettings.run_deadline_minutes
NO_DEADLINE_STUCK_AFTER = 60  # minutes; with run_deadline_minutes = 0


def busy_message(source, lock: Path, holder: str, since: float | None,
                 now: float | None = None, deadline_minutes: int = DEADLINE_MINUTES,
                 running: bool = True) -> str:
    """One sentence for a source whose lock `lock` is held by process `holder` ("" when
    unknown) since the time `since` (None when unknown); `running` False when that process
    is known to have ended."""
    who = f"process {holder}" if holder else "another process"
    if holder and not running:
        return (f"{source} is still locked by process {holder}, which has ended; the operating "
                f"system frees its lock {lock} once the process is fully gone, so nothing was "
                "done: run again in a minute")
    age = None if since is None else \
        dt.timedelta(seconds=max(0.0, (now or time.time()) - since))
    limit = deadline_minutes or NO_DEADLINE_STUCK_AFTER
    if age is not None and age > dt.timedelta(minutes=limit):
        return (f"{source} looks stuck: {who} has held its lock {lock} for {_span(age)}, longer "
                f"than a run may take ({limit} min, [schedule] run_deadline_minutes); if that "
                f"process is hung, stop it{f' (kill {holder})' if holder else ''} and run again")
    held = f", running for {_span(age)}" if age is not None else ""
    return (f"{source} is being updated by another sheetsales command"
            f"{f' (process {holder})' if holder else ''}{held}, which holds {lock}; "
            "nothing was done, try again when it has finished")


def _span(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


# Whether a process still runs. POSIX asks with signal 0; Windows must never be asked that
# way: there os.kill(pid, 0) sends Ctrl-C (0 is CTRL_C_EVENT) or terminates the process.
if sys.platform == "win32":
    def process_alive(pid: int) -> bool:
        """Whether process `pid` is still running (OpenProcess, then a zero wait on it)."""
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.WaitForSingleObject.argtypes = [wintypes.HANDLE, wintypes.DWORD]
        kernel32.WaitForSingleObject.restype = wintypes.DWORD
        kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
        synchronize, access_denied, wait_timeout = 0x00100000, 5, 0x102
        handle = kernel32.OpenProcess(synchronize, False, pid)
        if not handle:  # no such process, unless it is another user's
            return ctypes.get_last_error() == access_denied
        try:  # an ended process stays openable while handles remain, but is signalled
            return kernel32.WaitForSingleObject(handle, 0) == wait_timeout
        finally:
            kernel32.CloseHandle(handle)
else:
    def process_alive(pid: int) -> bool:
        """Whether process `pid` is still running (signal 0 tests without sending)."""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process
            return True
        return True
