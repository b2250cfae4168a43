"""What must hold on Windows, macOS and Linux alike (issue 17). conftest runs every test here
twice: as this machine is, and on the simulated non-POSIX machine of tests/support/nonposix.py.

The run lock: one sheetsales command at a time per source, refused at once (never waiting)
naming the process that holds it, re-entrant in one thread only, dropped by the operating
system when its process dies. Paths with spaces and non-ASCII names are written, undone and
cleaned like any other."""

import threading

import pytest

from helpers import CLEAN, OVERDUE, run_cli, write_deals
from lock_holder import hold
from sheetsales.core.errors import SourceBusy
from sheetsales.operations.guard import holder_path, lock_path, source_lock

TODAY = ["--today", "2026-11-27"]


def test_another_process_holding_the_source_is_named_and_nothing_waits(tmp_path):
    source = tmp_path / "deals.xlsx"
    write_deals(source, [CLEAN, OVERDUE])
    before = source.read_bytes()
    holder = hold(source)
    try:
        with pytest.raises(SourceBusy,
                           match=rf"\(process {holder.pid}\), running for \d+ min, which holds "):
            with source_lock(source):
                pass
        run_cli(["run", source, *TODAY], 2, stderr=f"(process {holder.pid})")
        assert source.read_bytes() == before
        with source_lock(tmp_path / "other.xlsx"):  # another source is not blocked
            pass
    finally:
        holder.communicate("\n")
    assert not holder_path(lock_path(source)).exists()  # the holder cleared its name
    run_cli(["run", source, *TODAY], 0)


def test_the_lock_is_reentrant_in_its_own_thread_only(tmp_path):
    source = tmp_path / "deals.xlsx"
    seen = []

    def other_thread():
        try:
            with source_lock(source):
                seen.append("got it")
        except SourceBusy:
            seen.append("busy")

    with source_lock(source) as path:
        with source_lock(source):  # `demo` runs `run` inside its own lock
            pass
        assert holder_path(path).exists()  # still held after the inner release
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == ["busy"]
    other_thread()
    assert seen == ["busy", "got it"]


def test_the_operating_system_drops_a_killed_holders_lock(tmp_path):
    source = tmp_path / "deals.xlsx"
    holder = hold(source)
    holder.kill()
    holder.communicate()
    with source_lock(source):  # the stale .holder file does not matter
        pass


NAMES = ["Pipeline 2026 – Müller & Söhne.xlsx", "営業 パイプライン.xlsx", "deals (copy).xlsm"]


@pytest.mark.parametrize("name", NAMES)
def test_paths_with_spaces_and_non_ascii_names_are_written_and_undone(tmp_path, name):
    folder = tmp_path / "Sales Team – Zürich" / "Ventes été"
    folder.mkdir(parents=True)
    path = write_deals(folder / name, [[" D-1 ", *CLEAN[1:]], OVERDUE])
    original = path.read_bytes()
    run_cli(["run", path, *TODAY], 0, stdout=path.name)
    written = path.read_bytes()
    assert written != original
    run_cli(["run", path, *TODAY], 0)  # unchanged: not rewritten
    assert path.read_bytes() == written
    run_cli(["clean", "whitespace", path, "--apply"], 0)
    run_cli(["undo", path], 0)
    assert path.read_bytes() == written
    run_cli(["undo", path], 0)
    assert path.read_bytes() == original
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, ".sheetsales"])


def test_a_csv_with_a_non_ascii_name_is_cleaned_and_undone(tmp_path):
    folder = tmp_path / "Kunden Übersicht"
    folder.mkdir()
    path = folder / "Verkäufe – 2026.csv"
    path.write_text("Deal ID,Company,Owner,Stage\n D-1 ,Zoë  Café,Łukasz,Lead\n",
                    encoding="utf-8")
    original = path.read_bytes()
    run_cli(["clean", "whitespace", path, "--apply"], 0)
    assert path.read_text(encoding="utf-8").splitlines()[1] == "D-1,Zoë Café,Łukasz,Lead"
    run_cli(["undo", path], 0)
    assert path.read_bytes() == original


def test_a_synced_folder_sees_one_rename_onto_the_same_name(tmp_path, monkeypatch):
    """SPEC 10, synced folders (OneDrive, Dropbox, iCloud): each write reaches the workbook
    as one rename of a temporary file from the same folder onto its name; the workbook is
    never deleted, renamed away or re-created, and no second name is left beside it."""
    import os

    path = write_deals(tmp_path / "deals.xlsx", [[" D-1 ", *CLEAN[1:]], OVERDUE])
    real_path = os.path.realpath(path)
    calls = []

    def spy_on(name):
        real = getattr(os, name)

        def spy(*args, **kwargs):
            named = [os.path.realpath(a) for a in args[:2] if isinstance(a, (str, os.PathLike))]
            if real_path in named:
                calls.append((name, *named))
            return real(*args, **kwargs)
        monkeypatch.setattr(os, name, spy)
    for name in ("replace", "rename", "unlink", "remove"):
        spy_on(name)
    for command in (["run", path, *TODAY], ["clean", "whitespace", path, "--apply"],
                    ["undo", path]):
        calls.clear()
        run_cli(command, 0)
        [(operation, temporary, target)] = calls
        assert (operation, target) == ("replace", real_path), command
        assert os.path.dirname(temporary) == os.path.dirname(real_path)
        assert os.path.basename(temporary).startswith(".~sheetsales-deals.xlsx.")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sheetsales", "deals.xlsx"]
