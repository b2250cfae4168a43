"""The hostile-input gauntlet: every input is made here, then `check` and `run` each run on
it as separate processes. Each ends in exit 2 with one sentence on stderr (or, where the
input is valid, a normal report), no traceback, under 1 GiB of memory, and the input file
byte-identical (a valid workbook is changed by `run` only in sheetsales' own cells)."""

import errno
import hashlib
import os
import random
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from python_calamine import CalamineWorkbook

import hostile
import procs
import tally
from helpers import run_cli
from sheetsales.sources import csv as csv_source

TODAY = ["--today", "2026-11-27"]
NOT_ZIP = "is not an Excel workbook (it is not a zip package)"


@dataclass
class Case:
    name: str  # also the file name
    build: Callable[[Path, Path], object]  # (path to create, a plain workbook to start from)
    message: str | None  # None: a valid input, `check` reports normally
    run_message: str | None = None  # when `run` refuses differently from `check`
    unprivileged: bool = False  # run the commands without root's permission override


def _bytes(data: bytes):
    return lambda path, _base: path.write_bytes(data)


def _random_bytes(path, _base):
    path.write_bytes(random.Random(11).randbytes(64 * 1024))


def _truncated(path, base):
    data = base.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _corrupt(path, base):
    data = bytearray(hostile.write_zip(path, [hostile.entry(n, d) for n, d in
                                              hostile.parts_of(base).items()]).read_bytes())
    start = data.index(hostile.SHEET.encode()) + len(hostile.SHEET)
    data[start + 20:start + 60] = bytes(40)  # zeros over the sheet's compressed bytes
    path.write_bytes(bytes(data))


def _folder(path, _base):
    path.mkdir()
    (path / "inside.txt").write_text("a folder, not a workbook")


def _unreadable(path, base):
    shutil.copyfile(base, path)
    path.chmod(0)


def _fifo(path, _base):
    os.mkfifo(path)


def _no_header(path, _base):
    hostile.small_workbook(path, [["just", "some", "notes"], ["nothing", "like", "deals"]])
    # the header row says Deal ID, Company ...; replace it by a title
    hostile.with_parts(path, path.with_suffix(".tmp.xlsx"), {
        hostile.SHEET: hostile.sheet_xml(hostile.inline_row(1, ["Our notes", "from", "May"]) +
                                         hostile.inline_row(2, ["call", "Ana", "later"]))})
    path.with_suffix(".tmp.xlsx").replace(path)


CSV_TEXT = "Deal ID,Company,Owner,Stage,Amount\nD-1,Zoë & Co,Ana,Lead,100\nD-2,Åsa AB,Bo,Proposl,x\n"
CASES = [
    Case("empty.xlsx", _bytes(b""), NOT_ZIP),
    Case("random.xlsx", _random_bytes, NOT_ZIP),
    Case("truncated.xlsx", _truncated, NOT_ZIP),
    Case("corrupt.xlsx", _corrupt, "is a damaged workbook"),
    Case("no-workbook-part.xlsx", lambda p, b: hostile.with_parts(b, p, drop={"xl/workbook.xml"}),
         "without a workbook part"),
    Case("malformed-sheet.xlsx", lambda p, b: hostile.malformed_sheet(b, p),
         "could not be read (syntax error"),
    Case("entity-bomb-strings.xlsx", lambda p, b: hostile.entity_bomb_strings(b, p),
         "declares XML entities (a DOCTYPE)"),
    Case("entity-bomb-sheet.xlsx", lambda p, b: hostile.entity_bomb_sheet(b, p),
         "declares XML entities (a DOCTYPE)"),
    Case("entity-bomb-after-a-comment.xlsx", lambda p, b: hostile.entity_bomb_sheet(
        b, p, "<!--" + "padding " * 500 + "-->"), "declares XML entities (a DOCTYPE)"),
    Case("zip-bomb.xlsx", lambda p, b: hostile.zip_bomb(b, p), "which looks like a zip bomb"),
    Case("zip-bomb-lying-small.xlsx", lambda p, b: hostile.zip_bomb(b, p, declared=70_000),
         "is a damaged workbook (Bad CRC-32"),
    Case("zip-bomb-lying-10MB.xlsx", lambda p, b: hostile.zip_bomb(b, p, declared=10 << 20),
         "is a damaged workbook (Bad CRC-32"),
    Case("password.xlsx", lambda p, _b: hostile.password_protected(p), "is password-protected"),
    Case("legacy.xls", lambda p, _b: hostile.legacy_xls(p), "legacy Excel 97-2003 .xls"),
    Case("legacy-renamed.xlsx", lambda p, _b: hostile.legacy_xls(p), "legacy Excel 97-2003 .xls"),
    Case("folder.xlsx", _folder, "is a folder, not a spreadsheet"),
    Case("no-permission.xlsx", _unreadable, "permission denied", unprivileged=True),
    Case("fifo.csv", _fifo, "is not a regular file"),
    Case("utf16-no-bom.csv", lambda p, _b: p.write_bytes(CSV_TEXT.encode("utf-16-be")), None,
         run_message="is a CSV file"),
    Case("utf32.csv", lambda p, _b: p.write_bytes(CSV_TEXT.encode("utf-32")), None,
         run_message="is a CSV file"),
    Case("ebcdic.csv", lambda p, _b: p.write_bytes(CSV_TEXT.encode("cp500")),
         "is not readable text in UTF-8, UTF-16, UTF-32 or Windows-1252"),
    Case("huge.csv", lambda p, _b: os.truncate(p.touch() or p, csv_source.MAX_BYTES + 1),
         "more than the 67,108,864 sheetsales reads from a CSV file"),
    Case("no-header.xlsx", _no_header, "no header row found"),
    Case("formatted-1048576-rows.xlsx", lambda p, b: hostile.formatted_to_last_row(b, p), None),
    Case("stray-value-XFD1048576.xlsx", lambda p, b: hostile.stray_last_cell(b, p),
         "a span of 17,179,869,184 cells"),
    Case("stray-value-in-an-early-row.xlsx",
         lambda p, b: hostile.stray_cell_in_an_early_row(b, p), "a span of 25,999,974 cells"),
    Case("implied-wide-row.xlsx", lambda p, b: hostile.implied_wide_row(b, p),
         "a span of 1,638,383,616 cells"),
    Case("text-32767.xlsx", lambda p, _b: hostile.long_text_workbook(p), None),
]


def digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def gauntlet(tmp_path_factory):
    """Every case built twice (one copy for check, one for run); both commands run on all of
    them, four processes at a time. -> {(case name, command): (outcome, path, digest before)}"""
    root = tmp_path_factory.mktemp("gauntlet")
    base = hostile.small_workbook(root / "base.xlsx")
    jobs = []
    for case in CASES:
        first = None
        for command in ("check", "run"):
            folder = root / command / case.name.replace(".", "_")
            folder.mkdir(parents=True)
            path = folder / case.name
            if first is not None and stat.S_ISREG(first.lstat().st_mode) and \
                    first.stat().st_mode & stat.S_IRUSR:
                shutil.copyfile(first, path)  # the slow builds (a 1 GiB bomb...) happen once
            else:
                case.build(path, base)
            first = first or path
            jobs.append((case, command, path, digest(path)))

    def one(job):
        case, command, path, before = job
        outcome = procs.sheetsales([command, path.name, *TODAY], path.parent, timeout=120,
                                   unprivileged=case.unprivileged)
        return (case.name, command), (outcome, path, before)

    with ThreadPoolExecutor(4) as pool:
        results = dict(pool.map(one, jobs))
    tally.counts["inputs"] += len(CASES)
    tally.counts["commands"] += len(results)
    for (name, command), (outcome, _, _) in results.items():
        tally.peak(f"{command} {name}", outcome.peak_rss)
    return results


def _one_sentence(stderr: str) -> str:
    """The error's sentence. Only the no-header refusal may say more, on the lines after it
    (its best candidate rows and the fix: SPEC section 10)."""
    lines = stderr.strip().splitlines()
    more_allowed = lines and lines[0].startswith("Error: no header row found")
    assert (len(lines) == 1 or more_allowed) and lines[0].startswith("Error: "), stderr
    return lines[0][len("Error: "):]


def _marked(command, case):
    marks = []
    return pytest.param(case, command, marks=marks, id=f"{command}-{case.name}")


@pytest.mark.parametrize("case,command", [_marked(cmd, c) for cmd in ("check", "run")
                                          for c in CASES])
def test_hostile_input(gauntlet, case, command):
    outcome, path, before = gauntlet[(case.name, command)]
    assert "Traceback" not in outcome.stderr and "panicked" not in outcome.stderr, outcome.stderr
    assert outcome.peak_rss < procs.GIB, f"{outcome.peak_rss / 2**20:.0f} MiB"
    assert outcome.seconds < 60
    message = case.run_message if command == "run" and case.run_message else case.message
    if message is None:  # a valid input: a normal report
        assert outcome.code in (0, 1), (outcome.code, outcome.stderr)
        assert "deal" in outcome.stdout and ("checked" in outcome.stdout), outcome.stdout
        assert not outcome.stderr.strip() or outcome.stderr.startswith("Note: "), outcome.stderr
    else:
        assert outcome.code == 2, (outcome.code, outcome.stdout, outcome.stderr)
        assert message in _one_sentence(outcome.stderr), outcome.stderr
    if command == "check" or message is not None or path.suffix == ".csv":
        unchanged = digest(path) == before
        tally.counts["lossless checks"] += 1
        if not unchanged:
            tally.lost(f"{command} changed {case.name}")
        assert unchanged, f"{path} changed"


def _values(path: Path) -> list[list]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name("Deals").to_python()


@pytest.mark.parametrize("name", [
    pytest.param(c.name)
    for c in CASES if c.message is None and c.name.endswith(".xlsx")])
def test_valid_inputs_keep_every_value_through_run(gauntlet, name):
    """`run` on the valid odd workbooks writes its columns and keeps every other value, the
    32,767-character texts whole."""
    outcome, path, _ = gauntlet[(name, "run")]
    assert outcome.code == 0 and "Wrote " in outcome.stdout, outcome.stdout + outcome.stderr
    source = path.parent.parent.parent / "check" / path.parent.name / name
    before, after = _values(source), _values(path)
    width = len(before[0])
    kept = [row[:width] for row in after[:len(before)]] == before
    tally.counts["lossless checks"] += 1
    if not kept:
        tally.lost(f"run lost values of {name}")
    assert kept
    assert after[0][width:width + 4] == ["Status", "Flags", "Next action", "Next action due"]


def test_unreadable_file_is_refused_for_real(tmp_path):
    """The permission case is real, not mocked: as root the child loses the capabilities
    that bypass permissions; the same file is readable with them."""
    path = hostile.small_workbook(tmp_path / "deals.xlsx")
    path.chmod(0)
    refused = procs.sheetsales(["check", path.name, *TODAY], tmp_path, unprivileged=True)
    assert refused.code == 2 and "permission denied" in refused.stderr
    if os.geteuid() == 0:
        allowed = procs.sheetsales(["check", path.name, *TODAY], tmp_path)
        assert allowed.code == 0, allowed.stderr
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


class PanicException(BaseException):
    """Named like pyo3's: what a Rust reader raises when it panics."""


@pytest.mark.parametrize("error, message", [
    (ValueError("a bug"), "sheetsales failed unexpectedly (ValueError: a bug); this is a bug"),
    (RecursionError("too deep"), "failed unexpectedly (RecursionError: too deep)"),
    (PanicException("index out of bounds"), "the spreadsheet reader crashed on this file"),
    (OSError(errno.ENOSPC, "No space left on device", "x.xlsx"), "the disk is full (x.xlsx)"),
    (MemoryError(), "ran out of memory"),
])
def test_any_failure_is_one_sentence_and_exit_2(monkeypatch, tmp_path, error, message):
    """Whatever escapes the library, the CLI prints one sentence and exits 2; --debug adds
    the traceback."""
    def fail(*_args, **_kwargs):
        raise error
    monkeypatch.setattr("sheetsales.check", fail)
    run_cli(["check", tmp_path / "x.xlsx"], 2, stderr=message)
    assert "Traceback" in run_cli(["check", tmp_path / "x.xlsx", "--debug"], 2).stderr
