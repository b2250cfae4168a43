"""sheetsales as separate processes: exit code, output and each one's own peak memory, with
real (not mocked) ways to make the system say no. Processes are forked from a zygote that
has sheetsales imported (zygote.py), so each costs a fork rather than a 0.7 s start-up."""

import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

GIB = 1024**3
ADDRESS_CAP = 4 * GIB  # a runaway child fails at this instead of swapping the machine


@dataclass
class Outcome:
    code: int  # the exit code, or -N when killed by signal N
    stdout: str
    stderr: str
    peak_rss: int  # bytes, this process alone (wait4)
    seconds: float


@dataclass
class Handle:
    id: int
    pid: int
    started: float
    out: Path
    err: Path


class _Zygote:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("zygote.py"))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.folder = tempfile.TemporaryDirectory(prefix="sheetsales-procs-")
        self.ids = itertools.count(1)
        self.events: dict[tuple[str, int], dict] = {}
        self.changed = threading.Condition()
        self.write_lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            event = json.loads(line)
            with self.changed:
                self.events[(event["event"], event["id"])] = event
                self.changed.notify_all()

    def _wait(self, key, timeout):
        with self.changed:
            if not self.changed.wait_for(lambda: key in self.events, timeout):
                return None
            return self.events.pop(key)

    def start(self, args, cwd, unprivileged=False, file_size=None, hold=False) -> Handle:
        number = next(self.ids)
        out, err = (Path(self.folder.name) / f"{number}.{n}" for n in ("out", "err"))
        request = {"id": number, "args": [str(a) for a in args], "cwd": str(cwd),
                   "stdout": str(out), "stderr": str(err), "unprivileged": unprivileged,
                   "file_size": file_size, "address": ADDRESS_CAP, "hold": hold}
        with self.write_lock:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        started = self._wait(("started", number), 30)
        assert started is not None, "the zygote did not fork"
        return Handle(number, started["pid"], time.monotonic(), out, err)

    def finish(self, handle: Handle, timeout: float) -> Outcome:
        event = self._wait(("exited", handle.id), timeout)
        if event is None:
            kill(handle)
            event = self._wait(("exited", handle.id), 30)
        status = event["status"]
        outcome = Outcome(os.waitstatus_to_exitcode(status),
                          handle.out.read_text(errors="replace"),
                          handle.err.read_text(errors="replace"), event["maxrss"],
                          time.monotonic() - handle.started)
        handle.out.unlink()
        handle.err.unlink()
        return outcome

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)
        self.folder.cleanup()


_zygote = None
_zygote_lock = threading.Lock()


def _shared() -> _Zygote:
    global _zygote
    with _zygote_lock:
        if _zygote is None:
            _zygote = _Zygote()
            atexit.register(_zygote.close)
        return _zygote


def start(args, cwd, *, unprivileged=False, file_size=None, hold=False) -> Handle:
    """`sheetsales ARGS` in `cwd` as a new process, started now. `unprivileged`: as root,
    without the capabilities that bypass file permissions; `file_size`: RLIMIT_FSIZE;
    `hold`: stopped before it begins, until sent SIGCONT (to attach a tracer)."""
    return _shared().start(args, cwd, unprivileged, file_size, hold)


def finish(handle: Handle, timeout: float = 120) -> Outcome:
    """Wait for the process (SIGKILL after `timeout`); its output and peak memory."""
    return _shared().finish(handle, timeout)


def kill(handle: Handle) -> None:
    try:
        os.kill(handle.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it had already ended


def sheetsales(args, cwd, timeout: float = 120, **options) -> Outcome:
    return finish(start(args, cwd, **options), timeout)
