"""Windows file semantics, handled rather than hoped for (issue 17), on the simulated
non-POSIX machine of tests/support/nonposix.py: Excel on Windows holds the workbook it shows open, so
replacing it fails with a sharing violation even when no lock file is beside it (a workbook
opened read-only, or with its lock file elsewhere). Every write then stops with one sentence
and exit 2: the file, its backups and its folder exactly as before, no temporary file left;
once Excel lets go, the same command works."""

import pytest

import sheetsales
from helpers import run_cli
from nonposix import held_open, simulate
from test_guard import make_source, write_once

TODAY = ["--today", "2026-11-27"]
COMMANDS = {
    "run": lambda p: ["run", p, *TODAY],
    "clean --apply": lambda p: ["clean", "whitespace", p, "--apply"],
    "undo": lambda p: ["undo", p],
}
CASES = [(command, suffix) for command in COMMANDS for suffix in (".xlsx", ".csv")
         if not (command == "run" and suffix == ".csv")]


@pytest.fixture
def windows(monkeypatch, tmp_path_factory):
    tmp_path_factory.getbasetemp()
    simulate(monkeypatch)


def folder_state(path):
    """Every file beside the source and under .sheetsales (backups, logs), with its bytes;
    the lock and the history database are sheetsales' own bookkeeping."""
    return {p.relative_to(path.parent): p.read_bytes() for p in path.parent.rglob("*")
            if p.is_file() and p.suffix != ".lock" and "history" not in p.name}


@pytest.mark.parametrize("command, suffix", CASES)
def test_a_workbook_held_open_by_excel_is_not_written(tmp_path, windows, command, suffix):
    path = make_source(tmp_path, suffix)
    if command == "undo":
        write_once(path)
    before = folder_state(path)
    with held_open(path):
        run_cli(COMMANDS[command](path), 2,
                stderr=f"{path.name} is open in another program (or read-only), so it cannot "
                       f"be replaced; nothing was written, close {path.name} in Excel and run "
                       "again")
    assert folder_state(path) == before  # no temporary file, no new or pruned backup
    run_cli(COMMANDS[command](path), 0)  # Excel closed: the same command works
    assert path.read_bytes() != before[path.relative_to(path.parent)]


def test_the_library_reports_the_refusal_for_the_nightly_retry(tmp_path, windows):
    """The nightly job retries a workbook open in Excel (SPEC 10, Retries): `run` returns the
    refusal (the digests of what it read still go out), which the scheduler treats as 'try
    again later', and exits 2 when nothing was delivered."""
    path = make_source(tmp_path, ".xlsx")
    with held_open(path):
        refused = sheetsales.run(path)
    assert "close deals.xlsx in Excel" in refused.refused and refused.exit_code() == 2
    assert sheetsales.run(path).written


def test_a_refused_write_leaves_no_handle_for_the_retry_in_the_same_process(tmp_path, windows):
    """The scheduler retries in the same process: the refused run must not keep the workbook
    open, or every retry would fail as if Excel still held it."""
    path = make_source(tmp_path, ".xlsx")
    (tmp_path / f"~${path.name}").write_text("someone", encoding="utf-8")
    assert "is open in Excel or LibreOffice" in sheetsales.run(path).refused
    (tmp_path / f"~${path.name}").unlink()
    assert sheetsales.run(path).written


def test_the_simulation_refuses_what_windows_refuses(tmp_path, windows):
    """The fixture itself: POSIX-only names gone, open files not replaced, renamed or
    deleted, a rename onto an existing name refused."""
    import os

    with pytest.raises(ImportError):
        import fcntl  # noqa: F401
    assert not any(hasattr(os, name) for name in ("pread", "pwrite", "link", "getuid"))
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("a")
    b.write_text("b")
    with held_open(b):
        with pytest.raises(PermissionError):
            os.replace(a, b)
        with pytest.raises(PermissionError):
            b.unlink()
    with pytest.raises(FileExistsError):
        os.rename(a, b)
    os.replace(a, b)
    assert b.read_text() == "a"
