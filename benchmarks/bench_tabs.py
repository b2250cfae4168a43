"""Reading a pipeline kept over tabs costs no more than one tab of the same deals (issue 25):
`check`, `run --dry-run` and `run` (written back, on a fresh copy each time) on ten tabs of
1,000 deals against one tab of 10,000, each step in a fresh process (imports outside the
clock: measure.py). The steps alternate, the order reversing every other repetition; the table
gives medians of wall time, CPU time (every thread's) and peak memory, and the ratios of the
medians (tabs / one tab) with the range of the per-repetition ratios in brackets.

    python benchmarks/bench_tabs.py [--tabs 10] [--rows 1000] [--repeat 7]
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).parent))
from bench_process import ratio_cell  # noqa: E402
from generate import HEADERS, deal_row  # noqa: E402
from measure import measure  # noqa: E402

TODAY = dt.date(2026, 11, 27)
CHECK = ("import datetime\nfrom sheetsales import check, Config",
         "r = check({path!r}, Config(), datetime.date(2026, 11, 27)); n = len(r.findings)")
RUN = ("import datetime, shutil\nfrom sheetsales.core.config import Config\n"
       "from sheetsales.operations.run import run_target\n"
       "from sheetsales.sources.xlsx.target import XlsxTarget",
       "r = run_target(XlsxTarget({path!r}), Config(), datetime.date(2026, 11, 27), "
       "dry_run={dry}); n = len(r.plan.changes)")
COPY = "\nshutil.copyfile({path!r}, {copy!r})"


def workbook(path: Path, tabs: int, rows: int) -> Path:
    """`tabs` sheets of `rows` deals each (IDs unique over the workbook)."""
    rng = random.Random(1)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for tab in range(tabs):
        sheet = book.add_worksheet(f"Tab {tab + 1}" if tabs > 1 else "Deals")
        sheet.write_row(0, 0, HEADERS)
        for index in range(rows):
            for col, value in enumerate(deal_row(tab * rows + index + 1, rng, TODAY)):
                if isinstance(value, dt.date):
                    sheet.write_datetime(index + 1, col, dt.datetime.combine(value, dt.time()),
                                         date_format)
                elif value is not None:
                    sheet.write(index + 1, col, value)
    book.close()
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tabs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    total = args.tabs * args.rows
    shapes = ((1, total), (args.tabs, args.rows))
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(workbook(Path(folder) / f"tabs-{tabs}.xlsx", tabs, rows))
                 for tabs, rows in shapes]
        copy = str(Path(folder) / "copy.xlsx")
        steps = {"check": lambda path: measure(CHECK[0], CHECK[1].format(path=path)),
                 "run --dry-run": lambda path: measure(
                     RUN[0], RUN[1].format(path=path, dry=True)),
                 "run": lambda path: measure(RUN[0] + COPY.format(path=path, copy=copy),
                                             RUN[1].format(path=copy, dry=False))}
        got = {(step, shape): [] for step in steps for shape in range(2)}
        for rep in range(args.repeat):
            for shape in (0, 1) if rep % 2 == 0 else (1, 0):
                for step, timed in steps.items():
                    got[step, shape].append(timed(paths[shape]))
    print(f"{args.repeat} repetitions; medians, the ratio's range in brackets\n")
    print("| step | " + " | ".join(f"{t} tab{'s' * (t > 1)} × {r:,}: s, CPU s, MB"
                                  for t, r in shapes) + " | tabs / one tab: wall | CPU |")
    print("|---|---:|---:|---:|---:|")
    for step in steps:
        cells = [f"{_median(got[step, s], 'seconds'):.3f}, {_median(got[step, s], 'cpu'):.3f}, "
                 f"{_median(got[step, s], 'peak_mb'):.0f}" for s in range(2)]
        print(f"| {step} | {' | '.join(cells)} | {_ratio(got, step, 'seconds')} | "
              f"{_ratio(got, step, 'cpu')} |", flush=True)


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _ratio(got: dict, step: str, key: str) -> str:
    return ratio_cell([r[key] for r in got[step, 1]], [r[key] for r in got[step, 0]])

if __name__ == "__main__":
    main()
