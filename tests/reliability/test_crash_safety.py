"""Crash safety, proven from the outside: `run` is SIGKILLed at seeded random moments while it
writes a 20,000-deal workbook, and after every kill the file is byte for byte the old or the
new version; the temporary files kills leave are removed by the next run. A full disk and a
folder that refuses new files leave the original intact and no temporary file behind."""

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import procs
import tally

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from generate import generate  # noqa: E402

TODAY = ["--today", "2026-11-27"]
KILLS_IN_WRITE, KILLS_ANYWHERE, LANES = 10, 5, 3
TEMP_GLOB = ".~sheetsales-*.tmp"


def temps(folder: Path) -> set[str]:
    return {p.name for p in folder.glob(TEMP_GLOB)}


def backups_of(folder: Path) -> set[str]:
    return {p.name for p in (folder / ".sheetsales" / "backups").glob("deals.*.xlsx")}


def wait_for_backup(folder: Path, before: set[str], handle, deadline: float) -> float | None:
    """Poll until the run takes its backup, the first step of its write; the moment, or None
    if the process ended first."""
    while time.monotonic() < deadline:
        if backups_of(folder) - before:
            return time.monotonic()
        try:
            os.kill(handle.pid, 0)
        except ProcessLookupError:
            return None
        time.sleep(0.002)
    return None


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """(original bytes, completed-write bytes, seconds to the write, seconds of the write)."""
    folder = tmp_path_factory.mktemp("crash")
    original = generate(folder / "original.xlsx", 20_000).read_bytes()
    reference = folder / "reference"
    reference.mkdir()
    (reference / "deals.xlsx").write_bytes(original)
    handle = procs.start(["run", "deals.xlsx", *TODAY], reference)
    writing = wait_for_backup(reference, set(), handle, time.monotonic() + 60)
    outcome = procs.finish(handle)
    assert outcome.code == 0, outcome.stderr
    assert writing is not None, "the write's backup was never seen"
    new = (reference / "deals.xlsx").read_bytes()
    assert new != original
    return original, new, writing - handle.started, handle.started + outcome.seconds - writing


def _lane(lane: Path, original: bytes, new: bytes, plan, write_seconds) -> dict:
    path = lane / "deals.xlsx"
    seen = {"kills": 0, "in write": 0, "stale": 0, "removed": 0, "bad": [], "lost": []}
    for kind, delay in plan:
        path.write_bytes(original)
        before, backups_before = temps(lane), backups_of(lane)
        handle = procs.start(["run", "deals.xlsx", *TODAY], lane)
        if kind == "write":
            if wait_for_backup(lane, backups_before, handle, time.monotonic() + 60) is not None:
                time.sleep(delay * write_seconds)
        else:
            time.sleep(delay)
        writing = bool(backups_of(lane) - backups_before)
        procs.kill(handle)
        outcome = procs.finish(handle)
        if outcome.code == -9:
            seen["kills"] += 1
            seen["in write"] += writing
        elif outcome.code != 0:
            seen["bad"].append(f"exit {outcome.code}: {outcome.stderr.strip()}")
        data = path.read_bytes()
        if data not in (original, new):
            seen["lost"].append(f"a partial file after a kill ({len(data)} bytes)")
        after = temps(lane)
        seen["removed"] += len(before - after)
        seen["stale"] += len(after - before)
    _finish_lane(lane, new, seen)
    return seen


def _finish_lane(lane: Path, new: bytes, seen: dict) -> None:
    """A run to completion after the kills: it removes their temporary files, and the file
    ends as the complete new version."""
    leftovers = temps(lane)
    final = procs.sheetsales(["run", "deals.xlsx", *TODAY], lane)
    if final.code != 0:
        seen["bad"].append(f"the run after the kills: exit {final.code} {final.stderr}")
    seen["removed"] += len(leftovers - temps(lane))
    if temps(lane):
        seen["bad"].append(f"temporary files left after a completed run: {temps(lane)}")
    if (lane / "deals.xlsx").read_bytes() != new:
        seen["lost"].append("the completed run did not produce the expected bytes")


def _record(results: list[dict], checks: int) -> None:
    for key, name in (("kills", "kills"), ("in write", "kills in write"),
                      ("stale", "stale temps"), ("removed", "stale removed")):
        tally.counts[name] += sum(seen[key] for seen in results)
    tally.counts["lossless checks"] += checks
    for problem in (p for seen in results for p in seen["lost"]):
        tally.lost(problem)


def test_sigkill_at_random_moments_leaves_old_or_new(workbook, tmp_path):
    """15 seeded kills: 10 spread over the write (from its backup to the process's end), 5
    anywhere in the run. Three workbooks are run on at once."""
    original, new, to_write, write_seconds = workbook
    rng = random.Random(20261127)
    plan = [("write", rng.uniform(0, 1)) for _ in range(KILLS_IN_WRITE)] + \
           [("anywhere", rng.uniform(0.05, 0.9 * (to_write + write_seconds)))
            for _ in range(KILLS_ANYWHERE)]
    rng.shuffle(plan)
    lanes = []
    for number in range(LANES):
        (tmp_path / f"lane{number}").mkdir()
        lanes.append((tmp_path / f"lane{number}", plan[number::LANES]))
    with ThreadPoolExecutor(LANES) as pool:
        results = list(pool.map(lambda lp: _lane(lp[0], original, new, lp[1], write_seconds),
                                lanes))
    _record(results, len(plan) + LANES)
    assert not [p for seen in results for p in seen["bad"] + seen["lost"]], results
    assert sum(seen["kills"] for seen in results) >= len(plan) - 2, results
    assert sum(seen["in write"] for seen in results) >= KILLS_IN_WRITE // 2, results
    assert sum(s["stale"] for s in results) == sum(s["removed"] for s in results), results


# --- kills at each step of the atomic write, placed exactly by strace ----------------------

STEPS = [  # (syscall to kill at, which call of it, the file expected after the kill)
    ("write", "first", "old"), ("write", "middle", "old"), ("write", "last", "old"),
    ("fsync", "temporary", "old"),  # the temporary file's flush to disk, before the rename
    ("fsync", "pending", "old"),  # the backup log's pending entry, just before the rename
    ("rename", "workbook", "old"),  # the rename itself (killed on entry: it never happens)
    ("fsync", "folder", "new"),  # the folder's fsync just after the rename
]
RENAMES = "rename,renameat,renameat2"


def _traced_run(folder: Path, *options) -> int:
    """`run` in a new process with strace attached before it begins; its exit code."""
    handle = procs.start(["run", "deals.xlsx", *TODAY], folder, hold=True)
    tracer = subprocess.Popen(["strace", "-f", *options, "-p", str(handle.pid)],
                              stderr=subprocess.PIPE, text=True)
    try:
        attached = tracer.stderr.readline()
        assert "attached" in attached, attached
    finally:
        os.kill(handle.pid, signal.SIGCONT)
    outcome = procs.finish(handle)
    tracer.communicate(timeout=60)
    return outcome.code


def _temp_writes(log: str) -> tuple[int, int]:
    """From a trace of write/openat calls: how many writes came before the temporary file
    was created, and how many went into it."""
    before = inside = 0
    opened = False
    for line in log.splitlines():
        if "openat(" in line and ".~sheetsales-" in line:
            opened = True
        elif " write(" in line or line.startswith("write("):
            if opened and "= " in line and ".~sheetsales" not in line:
                inside += 1
            elif not opened:
                before += 1
        elif "rename" in line and ".~sheetsales-" in line:
            break
    return before, inside


def _fsyncs(log: str) -> dict[str, int]:
    """Which fsync call (1-based) flushes the temporary file, the backup log's pending entry
    just before the rename, and the folder just after it."""
    count, found, in_temp = 0, {}, False
    for line in log.splitlines():
        if "openat(" in line and ".~sheetsales-" in line:
            in_temp = True
        elif "fsync(" in line and "= " in line:
            count += 1
            if in_temp and "temporary" not in found:
                found["temporary"] = count
            elif "renamed" in found:
                found["folder"] = count
                break
            else:
                found["pending"] = count
        elif "rename" in line and ".~sheetsales-" in line and "= " in line:
            found["renamed"] = True
    del found["renamed"]
    return found


def test_sigkill_at_each_step_of_the_atomic_write(small_workbook, tmp_path):
    """The temporary file lives a few milliseconds, too briefly for random kills to land in
    reliably; strace's fault injection kills `run` exactly at each of its steps."""
    if shutil.which("strace") is None:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):  # CI installs it: never skip there
            pytest.fail("strace is required but not installed (apt-get install strace)")
        pytest.skip("strace is not installed (apt-get install strace)")
    original, _ = small_workbook
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    (calibration / "deals.xlsx").write_bytes(original)
    traced = _traced_run(calibration, "-o", str(calibration / "trace.log"),
                         "-e", "trace=write,openat,fsync," + RENAMES)
    assert traced == 0
    new = (calibration / "deals.xlsx").read_bytes()
    log = (calibration / "trace.log").read_text()
    before, inside = _temp_writes(log)
    assert inside >= 3, (before, inside)
    renames = [line for line in log.splitlines() if "rename" in line and "= " in line]
    workbook_rename = next(i for i, line in enumerate(renames, 1) if ".~sheetsales-" in line)
    fsyncs = _fsyncs(log)
    which = {"first": before + 1, "middle": before + 1 + inside // 2, "last": before + inside,
             "workbook": workbook_rename,  # earlier renames: the backup's, the backup log's
             **fsyncs}
    lane = tmp_path / "lane"
    lane.mkdir()
    seen = {"kills": 0, "in write": 0, "stale": 0, "removed": 0, "bad": [], "lost": []}
    for syscall, when, expected in STEPS:
        (lane / "deals.xlsx").write_bytes(original)
        # a fresh backup log each time: settling the last kill's pending entry would add
        # fsyncs and move the numbering calibrated on a first run
        shutil.rmtree(lane / ".sheetsales" / "backups", ignore_errors=True)
        stale_before = temps(lane)
        names = RENAMES if syscall == "rename" else syscall
        killed = _traced_run(lane, "-o", os.devnull, "-e", f"trace={names}",
                             "-e", f"inject={names}:signal=KILL:when={which.get(when, when)}")
        data = (lane / "deals.xlsx").read_bytes()
        if killed != -9:
            seen["bad"].append(f"{syscall} {when}: not killed ({killed})")
        seen["kills"] += killed == -9
        seen["in write"] += killed == -9
        if data != (original if expected == "old" else new):
            seen["lost"].append(f"killed at {syscall} {when}: the file is not the {expected} one")
        after = temps(lane)
        seen["removed"] += len(stale_before - after)  # the killed run cleaned earlier ones
        seen["stale"] += len(after - stale_before)
        if expected == "old" and len(after - stale_before) != 1:
            seen["bad"].append(f"killed at {syscall} {when}: expected its temporary file left")
    _finish_lane(lane, new, seen)
    _record([seen], len(STEPS) + 1)
    assert not seen["bad"] + seen["lost"], seen
    assert seen["stale"] == seen["removed"] == sum(step[2] == "old" for step in STEPS)


# --- a full disk and a folder that refuses new files ---------------------------------------

@contextlib.contextmanager
def small_disk(folder: Path, size: int):
    """A tmpfs of `size` bytes mounted on `folder` (root only); yields False when mounting
    is not possible here."""
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _history_elsewhere(tmp_path: Path) -> Path:
    """A config keeping the run history off the small disk, so the workbook's write is what
    meets the full disk."""
    config = tmp_path / "sheetsales.toml"
    config.write_text(f'[history]\ndatabase = "{tmp_path / "history.sqlite"}"\n')
    return config


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    original = generate(folder / "original.xlsx", 2_000).read_bytes()
    (folder / "done").mkdir()
    (folder / "done" / "deals.xlsx").write_bytes(original)
    outcome = procs.sheetsales(["run", "deals.xlsx", *TODAY], folder / "done")
    assert outcome.code == 0, outcome.stderr
    return original, (folder / "done" / "deals.xlsx").stat().st_size


def _assert_intact(folder: Path, original: bytes, outcome, message: str):
    path = folder / "deals.xlsx"
    intact = path.read_bytes() == original
    tally.counts["lossless checks"] += 1
    if not intact:
        tally.lost(f"{message}: the original changed")
    assert intact
    assert outcome.code == 2 and message in outcome.stderr, (outcome.code, outcome.stderr)
    assert len(outcome.stderr.strip().splitlines()) == 1 and "Traceback" not in outcome.stderr
    assert not temps(folder), temps(folder)
    return backups_of(folder)


@pytest.mark.parametrize("room", ["backup fits, the new file does not", "nothing fits"])
def test_disk_full_at_write_time(small_workbook, tmp_path, room):
    """ENOSPC for real on a small tmpfs when root can mount one; else EFBIG for real from
    RLIMIT_FSIZE (the same code path: the write fails with an OSError part-way)."""
    original, new_size = small_workbook
    config = _history_elsewhere(tmp_path)
    page = 4096
    pages = -(-len(original) // page)
    if room == "nothing fits":
        size = (pages + 4) * page
    else:
        size = (2 * pages + 8) * page + (new_size - len(original)) // 2
    folder = tmp_path / "disk"
    with small_disk(folder, size) as mounted:
        (folder / "deals.xlsx").write_bytes(original)
        if mounted:
            outcome = procs.sheetsales(["run", "deals.xlsx", "--config", config, *TODAY], folder)
            message = "the disk is full"
        else:
            limit = len(original) + 8 * page if room != "nothing fits" else len(original) // 2
            outcome = procs.sheetsales(["run", "deals.xlsx", "--config", config, *TODAY],
                                       folder, file_size=limit)
            message = "a file grew past the size this system allows"
        leftover = _assert_intact(folder, original, outcome, message)
    tally.counts["disk full"] += 1
    assert not leftover, leftover


def test_folder_refusing_new_files_at_write_time(small_workbook, tmp_path):
    """The workbook can be read but its folder takes no new file (the temporary file of the
    atomic write): refused, original intact. As root, for real, without the capabilities
    that bypass permissions."""
    original, _ = small_workbook
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "deals.xlsx").write_bytes(original)
    (folder / ".sheetsales").mkdir()  # the lock, backups and history may still be written
    folder.chmod(0o555)
    try:
        outcome = procs.sheetsales(["run", "deals.xlsx", *TODAY], folder, unprivileged=True)
    finally:
        folder.chmod(0o755)
    leftover = _assert_intact(folder, original, outcome, "cannot create a file in")
    assert not leftover, leftover  # the backup of a write that did not happen is discarded
    tally.counts["write refused"] += 1
