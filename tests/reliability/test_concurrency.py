"""Concurrency from the outside, as separate processes: two runs on one file, a run racing a
cleanup, a run racing another program that saves the file, and Excel's or LibreOffice's lock
files. Each race ends serialised or with one side refused (exit 2, one sentence), and nothing
is lost: every value either side wrote or kept is in the final file."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

import procs
import tally
from helpers import write_deals
from sheetsales.sources.xlsx.writer import write_xlsx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from generate import generate  # noqa: E402

TODAY = ["--today", "2026-11-27"]
BUSY = "is being updated by another sheetsales command"
STATUS_HEADERS = ["Status", "Flags", "Next action", "Next action due"]
REPEATS = 3


def values(path: Path, sheet: str = "Deals") -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def data_columns(rows: list[list]) -> list[list]:
    """The cells that are not sheetsales' status columns (it appends those at the right)."""
    header = next(i for i, row in enumerate(rows) if "Deal ID" in row)
    width = next((rows[header].index(h) for h in STATUS_HEADERS if h in rows[header]),
                 len(rows[header]))
    return [row[:width] for row in rows]


def check_kept(condition: bool, what: str) -> None:
    tally.counts["lossless checks"] += 1
    if not condition:
        tally.lost(what)
    assert condition, what


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """(original bytes, the bytes one completed run writes)."""
    folder = tmp_path_factory.mktemp("race")
    original = generate(folder / "original.xlsx", 3_000).read_bytes()
    (folder / "done").mkdir()
    (folder / "done" / "deals.xlsx").write_bytes(original)
    outcome = procs.sheetsales(["run", "deals.xlsx", *TODAY], folder / "done")
    assert outcome.code == 0, outcome.stderr
    return original, (folder / "done" / "deals.xlsx").read_bytes()


def _one_refusal(outcome, message: str) -> None:
    assert outcome.code == 2, (outcome.code, outcome.stdout, outcome.stderr)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in outcome.stderr, lines


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_two_runs_at_once(book, tmp_path, attempt):
    original, new = book
    path = tmp_path / "deals.xlsx"
    path.write_bytes(original)
    first = procs.start(["run", path.name, *TODAY], tmp_path)
    second = procs.start(["run", path.name, *TODAY], tmp_path)
    outcomes = [procs.finish(first), procs.finish(second)]
    tally.counts["races"] += 1
    codes = sorted(o.code for o in outcomes)
    assert codes in ([0, 0], [0, 2]), [(o.code, o.stderr) for o in outcomes]
    for outcome in outcomes:
        if outcome.code == 2:
            _one_refusal(outcome, BUSY)
            tally.counts["busy refusals"] += 1
    check_kept(path.read_bytes() == new, "two runs at once: the result is not one complete run")
    assert not list(tmp_path.glob(".~sheetsales-*"))


def _messy(path: Path) -> Path:
    rows = [[f"D-{i}", f"  Company {i}  " if i % 3 == 0 else f"Company {i}", "Ana ",
             "Proposal", 1000 + i, None, None, None, None, None, None] for i in range(1, 301)]
    return write_deals(path, rows)


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_run_racing_a_cleanup(tmp_path, attempt):
    path = _messy(tmp_path / "deals.xlsx")
    before = data_columns(values(path))
    cleaned = [[c.strip() if isinstance(c, str) else c for c in row] for row in before]
    run = procs.start(["run", path.name, *TODAY], tmp_path)
    clean = procs.start(["clean", "whitespace", path.name, "--apply"], tmp_path)
    ran, cleaned_up = procs.finish(run), procs.finish(clean)
    tally.counts["races"] += 1
    for outcome in (ran, cleaned_up):
        assert outcome.code in (0, 2), (outcome.code, outcome.stderr)
        if outcome.code == 2:
            _one_refusal(outcome, BUSY)
            tally.counts["busy refusals"] += 1
    after = values(path)
    data = data_columns(after)
    check_kept(data == (cleaned if cleaned_up.code == 0 else before),
               "run racing a cleanup: the cleanup's or the original values are missing")
    header = next(row for row in after if "Deal ID" in row)
    check_kept(all(h in header for h in STATUS_HEADERS) == (ran.code == 0),
               "run racing a cleanup: the run's status columns are missing")


def _save_as_another_program(path: Path, data: bytes) -> subprocess.Popen:
    """Another program saving the workbook the way Excel does: a new file renamed over it."""
    script = ("import os, sys\n"
              "tmp = sys.argv[1] + '.saving'\n"
              "open(tmp, 'wb').write(sys.stdin.buffer.read())\n"
              "os.replace(tmp, sys.argv[1])\n")
    saver = subprocess.Popen([sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE)
    saver.stdin.write(data)
    saver.stdin.close()
    return saver


def _wait_for_lock_holder(folder: Path, pid: int, deadline: float) -> bool:
    lock = folder / ".sheetsales" / "deals.xlsx.lock.holder"  # the holder names itself there
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text() == str(pid):
            return True
        time.sleep(0.002)
    return False


@pytest.mark.parametrize("moment", ["while it reads", "while it writes"])
def test_run_racing_another_program_saving_the_file(book, tmp_path, moment):
    """The other program's save always survives: the run either refuses (changed since read,
    or changed while writing) or, if it read the saved version, writes on top of it."""
    original, _ = book
    path = tmp_path / "deals.xlsx"
    path.write_bytes(original)
    edited = tmp_path / "edited.xlsx"
    write_xlsx(tmp_path / "deals.xlsx", {("Deals", "Z5"): "saved by someone else"},
               out_path=edited)
    handle = procs.start(["run", path.name, *TODAY], tmp_path)
    assert _wait_for_lock_holder(tmp_path, handle.pid, time.monotonic() + 30)
    if moment == "while it writes":
        backups = tmp_path / ".sheetsales" / "backups"
        deadline = time.monotonic() + 30
        while not list(backups.glob("deals.*.xlsx")) and time.monotonic() < deadline:
            time.sleep(0.001)
    else:
        time.sleep(0.05)
    saver = _save_as_another_program(path, edited.read_bytes())
    outcome = procs.finish(handle)
    assert saver.wait(30) == 0
    tally.counts["races"] += 1
    if outcome.code == 2:
        _one_refusal(outcome, "changed")
        tally.counts["changed refusals"] += 1
        check_kept(path.read_bytes() == edited.read_bytes(),
                   "the other program's save was overwritten")
    else:
        assert outcome.code == 0, outcome.stderr
        rows = values(path)
        check_kept(rows[4][25] == "saved by someone else",
                   "the other program's save was lost under the run's write")


@pytest.mark.parametrize("lock_name", ["~$deals.xlsx", "~$als.xlsx", ".~lock.deals.xlsx#"])
def test_lock_files_of_excel_and_libreoffice(book, tmp_path, lock_name):
    original, new = book
    path = tmp_path / "deals.xlsx"
    path.write_bytes(original)
    (tmp_path / lock_name).write_text("someone,their-pc,2026-11-27")
    refused = procs.sheetsales(["run", path.name, *TODAY], tmp_path)
    _one_refusal(refused, f"is open in Excel or LibreOffice (lock file {lock_name})")
    tally.counts["lockfile refusals"] += 1
    tally.counts["races"] += 1
    check_kept(path.read_bytes() == original, f"{lock_name}: the open workbook was changed")
    assert not list(tmp_path.glob(".~sheetsales-*"))
    os.unlink(tmp_path / lock_name)
    done = procs.sheetsales(["run", path.name, *TODAY], tmp_path)
    assert done.code == 0 and path.read_bytes() == new, done.stderr
