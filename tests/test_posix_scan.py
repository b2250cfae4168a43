"""No POSIX-only call creeps back (issue 17): the package's source is scanned (AST) for modules
and names that Windows lacks, outside code guarded for the platform. Guarded means: under an
`if` that tests `sys.platform`, `os.name`, `platform.system()` or `hasattr(...)` (either
branch), or in a `try` that catches ImportError or AttributeError. `getattr(os, "X", None)`
is a guard by itself and is not flagged. Windows-only modules are held to the same rule."""

import ast
from pathlib import Path

import pytest

import sheetsales

PACKAGE = Path(sheetsales.__file__).parent
PLATFORM_MODULES = {"fcntl", "termios", "tty", "pty", "resource", "pwd", "grp", "posix",
                    "syslog", "crypt", "msvcrt", "winreg", "_winapi", "winsound"}
PLATFORM_NAMES = {
    "os": {"pread", "pwrite", "preadv", "pwritev", "fork", "forkpty", "getuid", "geteuid",
           "getgid", "getegid", "getgroups", "setuid", "seteuid", "link", "symlink", "killpg",
           "setsid", "setpgid", "getpgid", "chown", "lchown", "fchown", "fchmod", "lchmod",
           "sync", "fdatasync", "mkfifo", "mknod", "statvfs", "fstatvfs", "O_DIRECTORY",
           "O_NOFOLLOW", "O_SYNC", "O_DSYNC", "WNOHANG", "wait3", "wait4", "getloadavg",
           "nice", "posix_fallocate", "sched_getaffinity", "startfile", "O_BINARY",
           # exists on Windows, where os.kill(pid, 0) sends Ctrl-C or ends the process
           "kill"},
    "signal": {"SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD",
               "SIGPIPE", "SIGSTOP", "SIGCONT", "alarm", "setitimer", "pause", "siginterrupt",
               "CTRL_C_EVENT", "CTRL_BREAK_EVENT"},
}
# Found and not yet fixed, each with the fix; the test fails when one is fixed (remove it
# here) as when a new one appears.
KNOWN: set[tuple[str, str]] = set()


def _is_platform_test(node: ast.expr) -> bool:
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and (
                (isinstance(part.value, ast.Name) and (part.value.id, part.attr) in
                 {("sys", "platform"), ("os", "name"), ("platform", "system")})):
            return True
        if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and \
                part.func.id == "hasattr":
            return True
    return False


def _catches_missing(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in
               {"ImportError", "ModuleNotFoundError", "AttributeError", "Exception"}
               for n in names)


class Scan(ast.NodeVisitor):
    """Platform-only imports and names outside guarded code, as (file, what, line)."""

    def __init__(self, file: str):
        self.file, self.guarded, self.found = file, 0, []

    def _guarded(self, nodes):
        self.guarded += 1
        for node in nodes:
            self.visit(node)
        self.guarded -= 1

    def visit_If(self, node: ast.If):
        if _is_platform_test(node.test):
            self._guarded(node.body + node.orelse)
        else:
            self.generic_visit(node)

    def visit_Try(self, node: ast.Try):
        if any(_catches_missing(h) for h in node.handlers):
            self._guarded(node.body)
            for part in node.handlers + node.orelse + node.finalbody:
                self.visit(part)
        else:
            self.generic_visit(node)

    visit_TryStar = visit_Try

    def _flag(self, what: str, node: ast.AST):
        if not self.guarded:
            self.found.append((self.file, what, node.lineno))

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] in PLATFORM_MODULES:
                self._flag(f"import {alias.name}", node)

    def visit_ImportFrom(self, node: ast.ImportFrom):
        module = (node.module or "").split(".")[0]
        if node.level == 0 and module in PLATFORM_MODULES:
            self._flag(f"from {node.module} import", node)
        for alias in node.names:
            if node.level == 0 and alias.name in PLATFORM_NAMES.get(module, ()):
                self._flag(f"{module}.{alias.name}", node)

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.attr in PLATFORM_NAMES.get(node.value.id,
                                                                                ()):
            self._flag(f"{node.value.id}.{node.attr}", node)
        self.generic_visit(node)


def scan_source(text: str, file: str = "<text>") -> list[tuple[str, str, int]]:
    scan = Scan(file)
    scan.visit(ast.parse(text))
    return scan.found


def test_no_posix_only_call_outside_guarded_code():
    found = [hit for path in sorted(PACKAGE.rglob("*.py"))
             for hit in scan_source(path.read_text(encoding="utf-8"),
                                    path.relative_to(PACKAGE).as_posix())]
    assert {(file, what) for file, what, _ in found} == KNOWN, found


@pytest.mark.parametrize("text, flagged", [
    ("import fcntl", ["import fcntl"]),
    ("from fcntl import flock", ["from fcntl import"]),
    ("import os\nos.pread(3, 1, 0)", ["os.pread"]),
    ("from os import pwrite", ["os.pwrite"]),
    ("import os\nos.fork()", ["os.fork"]),
    ("import signal\nsignal.SIGKILL", ["signal.SIGKILL"]),
    ("def f():\n    import resource\n    return os.getuid()", ["import resource", "os.getuid"]),
    ("try:\n    os.link(a, b)\nexcept FileExistsError:\n    pass", ["os.link"]),
    ("import os\nif os.name == 'posix':\n    import fcntl\nelse:\n    import msvcrt", []),
    ("import sys\nif sys.platform == 'win32':\n    import msvcrt", []),
    ("try:\n    import fcntl\nexcept ImportError:\n    fcntl = None", []),
    ("if hasattr(os, 'O_DIRECTORY'):\n    flags = os.O_DIRECTORY", []),
    ("flags = getattr(os, 'O_NOFOLLOW', 0)", []),
    ("import signal\nsignal.signal(signal.SIGTERM, h)", []),
])
def test_the_scan_flags_platform_calls_and_respects_guards(text, flagged):
    assert [what for _, what, _ in scan_source(text)] == flagged
