"""A process that imports sheetsales once and forks one child per command, so a hundred
separate `sheetsales` processes cost a hundred forks instead of a hundred interpreter start-ups
(about 0.7 s each). Each child is a real, separate process: killable, with its own files and
peak memory. Run as a script; JSON lines in on stdin, events out on stdout.

request: {"id", "args", "cwd", "stdout", "stderr", "unprivileged", "file_size", "address",
          "hold"}
events:  {"event": "started", "id", "pid"}  {"event": "exited", "id", "status", "maxrss"}
"""

import ctypes
import json
import os
import resource
import select
import signal
import sys
import traceback

# No .pyc writes, here or in the children: a child compiling a module it imports lazily would
# add write() calls before its write, and the strace test counts write() calls.
sys.dont_write_bytecode = True

import sheetsales.operations.clean, sheetsales.operations.run, sheetsales.operations.undo  # noqa: E402, F401, E501  (the imports every command needs, done once)
from sheetsales.cli import main  # noqa: E402

_CAP_VERSION_3 = 0x20080522
_DAC_CAPS = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_permission_override():
    """Root keeps its uid but loses the capabilities that bypass file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _CapHeader(_CAP_VERSION_3, 0), (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0].effective &= ~_DAC_CAPS & 0xFFFFFFFF
    data[0].permitted &= ~_DAC_CAPS & 0xFFFFFFFF
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def child(request: dict, protocol: int) -> None:
    code = 70
    try:
        os.close(protocol)
        os.chdir(request["cwd"])
        for fd, name in ((1, "stdout"), (2, "stderr")):
            target = os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        resource.setrlimit(resource.RLIMIT_AS, (request["address"], request["address"]))
        if request.get("file_size") is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
            limit = request["file_size"]
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        if request.get("unprivileged") and os.geteuid() == 0:
            drop_permission_override()
        sys.argv = ["sheetsales", *request["args"]]
        if request.get("hold"):  # wait, stopped, for a tracer to attach and SIGCONT
            os.kill(os.getpid(), signal.SIGSTOP)
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def serve() -> None:
    protocol = os.dup(1)

    def send(event: dict) -> None:
        os.write(protocol, (json.dumps(event) + "\n").encode())

    children: dict[int, int] = {}
    pending = b""
    open_input = True
    while open_input or children:
        ready = select.select([0], [], [], 0.002)[0] if open_input else time_out()
        if ready:
            data = os.read(0, 1 << 16)
            open_input = bool(data)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    child(request, protocol)
                children[pid] = request["id"]
                send({"event": "started", "id": request["id"], "pid": pid})
        while children:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            send({"event": "exited", "id": children.pop(pid), "status": status,
                  "maxrss": usage.ru_maxrss * 1024})


def time_out():
    select.select([], [], [], 0.002)
    return []


if __name__ == "__main__":
    serve()
