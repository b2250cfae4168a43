"""Whole-process benchmark: `sheetsales check` and `sheetsales run` timed from start to exit,
as a user runs them, against openpyxl doing the same job in its own fresh process, same run.

    python benchmarks/bench_process.py [--rows 1000 10000 100000] [--kinds inline shared]
        [--repeat N] [--json FILE]

For each size and kind of workbook (text inline in the sheet, or in xl/sharedStrings.xml as
Excel saves it; both made by generate.py), every repetition runs, each in a fresh process:

  check          `sheetsales check deals.xlsx --today 2026-11-27`
  openpyxl load  a script that loads the workbook with openpyxl (read_only=False, as a user
                 script would) and iterates the deals
  run            `sheetsales run deals.xlsx --today 2026-11-27`, with its backup and history
                 journal as the nightly job gets them
  openpyxl save  load, set 4 status cells on every deal, add a Reminders sheet, save (as
                 bench_run.py)
  floor          inflate the deals sheet part and deflate it again at zlib level 6 into a zip
                 (bench_run.py's floor, as a whole process that also writes its zip)

Each child gets a fresh copy of the workbook in a fresh temporary directory (so backups and
history start empty every time), its output goes to a file there. The jobs alternate within a
repetition (the order reverses every other one) and the table reports medians; a ratio is the
ratio of the medians, with the range of the per-repetition ratios in brackets. Peak memory is
the child's max RSS and CPU time its user + system seconds (os.wait4; "n/a" where there is
none, as on Windows): on a shared, loaded machine CPU time moves less than wall time. Start-up
lines time `sheetsales --help`, `sheetsales --version`, `python -c pass` and
`python -c "import openpyxl"`.

Before timing, sheetsales' package is byte-compiled (`python -m compileall -q`) and one small
workbook goes through every job untimed; children run without PYTHONDONTWRITEBYTECODE, because
users' machines cache bytecode. Default repetitions: 5 below 100k deals, 3 from 100k.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_run  # noqa: E402
from generate import generate  # noqa: E402

TODAY = "2026-11-27"
OPENPYXL_LOAD = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
deals = sum(1 for row in wb["Deals"].iter_rows(min_row=4, values_only=True) if row[0] is not None)
"""
OPENPYXL_SAVE = "import datetime, sys, openpyxl\npath = sys.argv[1]" + bench_run.OPENPYXL_SAVE
FLOOR = """
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    data = z.read("xl/worksheets/sheet1.xml")
with zipfile.ZipFile("floor.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
    out.writestr("xl/worksheets/sheet1.xml", data)
"""
JOBS = ("check", "load", "run", "save", "floor")


def sheetsales_command() -> list[str]:
    """The installed `sheetsales` script beside this Python, else `python -m sheetsales`."""
    found = shutil.which("sheetsales", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "sheetsales"]


def job_command(job: str) -> tuple[list[str], tuple[int, ...]]:
    """The command line of a job on ./deals.xlsx and the exit codes that mean it worked
    (check exits 1 when the sheet has errors)."""
    return {"check": (sheetsales_command() + ["check", "deals.xlsx", "--today", TODAY], (0, 1)),
            "run": (sheetsales_command() + ["run", "deals.xlsx", "--today", TODAY], (0,)),
            "load": ([sys.executable, "-c", OPENPYXL_LOAD, "deals.xlsx"], (0,)),
            "save": ([sys.executable, "-c", OPENPYXL_SAVE, "deals.xlsx"], (0,)),
            "floor": ([sys.executable, "-c", FLOOR, "deals.xlsx"], (0,))}[job]


def child_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], cwd: Path, ok=(0,)) -> tuple[float, float | None, float | None]:
    """Wall seconds of `command` from start to exit, its peak RSS in MiB and its CPU seconds
    (user + system; both None where the platform cannot tell). Output goes to files in `cwd`."""
    with open(cwd / "stdout.txt", "wb") as out, open(cwd / "stderr.txt", "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=child_env())
        if sys.platform != "win32" and hasattr(os, "wait4"):
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
            scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
            peak = usage.ru_maxrss / scale
            cpu = usage.ru_utime + usage.ru_stime
        else:
            child.wait()
            seconds, peak, cpu = time.perf_counter() - start, None, None
    if child.returncode not in ok:
        raise SystemExit(f"{' '.join(command[:3])} exited {child.returncode}:\n"
                         + (cwd / "stderr.txt").read_text(errors="replace")[-2000:])
    return seconds, peak, cpu


def run_job(job: str, source: Path, scratch: Path) -> tuple[float, float | None, float | None]:
    """One job on a fresh copy of `source` in a fresh directory under `scratch`."""
    folder = Path(tempfile.mkdtemp(prefix=f"{job}-", dir=scratch))
    try:
        shutil.copyfile(source, folder / "deals.xlsx")
        command, ok = job_command(job)
        return timed(command, folder, ok)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def compile_sheetsales() -> None:
    """Byte-compile the installed sheetsales package, as an installer does."""
    where = subprocess.run([sys.executable, "-c", "import sheetsales, os; "
                            "print(os.path.dirname(sheetsales.__file__))"],
                           capture_output=True, text=True, check=True, env=child_env())
    subprocess.run([sys.executable, "-m", "compileall", "-q", where.stdout.strip()], check=True,
                   env=child_env())


def load_average() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def median(values):
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def ratio_cell(tops, bottoms) -> str:
    pairs = [t / b for t, b in zip(tops, bottoms)]
    cell = f"{median(tops) / median(bottoms):.2f}x"
    return cell + (f" ({min(pairs):.2f}-{max(pairs):.2f})" if len(pairs) > 1 else "")


def mib(value) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def seconds(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def startup(scratch: Path, repeat: int) -> dict:
    commands = {"sheetsales --help": sheetsales_command() + ["--help"],
                "sheetsales --version": sheetsales_command() + ["--version"],
                "python -c pass": [sys.executable, "-c", "pass"],
                'python -c "import openpyxl"': [sys.executable, "-c", "import openpyxl"]}
    results = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            results[name].append(timed(command, scratch))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--kinds", nargs="+", choices=["inline", "shared"],
                        default=["inline", "shared"],
                        help="inline strings, and/or shared strings as Excel saves them")
    parser.add_argument("--repeat", type=int,
                        help="repetitions per size (default 5 below 100k deals, 3 from 100k)")
    parser.add_argument("--json", type=Path, help="also save the raw numbers here")
    args = parser.parse_args()
    compile_sheetsales()
    raw = {"python": sys.version, "sheetsales": sheetsales_command(), "startup": {}, "rows": []}
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        warm = generate(scratch / "warm.xlsx", 50)
        for job in JOBS:  # writes bytecode for every module the jobs import, warms the caches
            run_job(job, warm, scratch)
        raw["startup"] = startup(scratch, 10)
        for name, results in raw["startup"].items():
            print(f"- start-up `{name}`: {median([s for s, _, _ in results]):.3f} s median of "
                  f"{len(results)}, CPU {seconds(median([c for _, _, c in results]))} s, "
                  f"peak {mib(median([p for _, p, _ in results]))} MiB", flush=True)
        print()
        print("| deals | kind | check s | openpyxl load s | check ratio | run s | "
              "openpyxl load+save s | run ratio | floor s | run/floor | check peak MiB | "
              "openpyxl load peak MiB | run peak MiB | openpyxl save peak MiB | CPU s check / "
              "load / run / save / floor |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
              flush=True)
        for rows in args.rows:
            repeat = args.repeat or (5 if rows < 100000 else 3)
            for kind in args.kinds:
                source = generate(scratch / f"deals-{rows}-{kind}.xlsx", rows,
                                  shared_strings=kind == "shared")
                got = {job: [] for job in JOBS}
                for rep in range(repeat):
                    for job in JOBS if rep % 2 == 0 else JOBS[::-1]:
                        got[job].append(run_job(job, source, scratch))
                source.unlink()
                secs = {job: [s for s, _, _ in got[job]] for job in JOBS}
                peak = {job: median([p for _, p, _ in got[job]]) for job in JOBS}
                cpu = {job: [c for _, _, c in got[job]] for job in JOBS}
                print(f"| {rows:,} | {kind} | {median(secs['check']):.2f} | "
                      f"{median(secs['load']):.2f} | {ratio_cell(secs['check'], secs['load'])} | "
                      f"{median(secs['run']):.2f} | {median(secs['save']):.2f} | "
                      f"{ratio_cell(secs['run'], secs['save'])} | {median(secs['floor']):.2f} | "
                      f"{ratio_cell(secs['run'], secs['floor'])} | {mib(peak['check'])} | "
                      f"{mib(peak['load'])} | {mib(peak['run'])} | {mib(peak['save'])} | "
                      f"{' / '.join(seconds(median(cpu[job])) for job in JOBS)} |", flush=True)
                raw["rows"].append({"deals": rows, "kind": kind, "repeat": repeat,
                                    "seconds": secs, "loadavg_after": load_average(),
                                    "peak_mib": {job: [p for _, p, _ in got[job]] for job in JOBS},
                                    "cpu_seconds": cpu})
    loads = [row["loadavg_after"] for row in raw["rows"] if row["loadavg_after"] is not None]
    if loads:  # a shared machine: other work skews the seconds more than the ratios
        print(f"\nload average (1 min) after each row: {', '.join(f'{x:.1f}' for x in loads)} "
              f"on {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
