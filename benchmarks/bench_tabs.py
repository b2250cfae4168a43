"""Reading a pipeline kept over tabs costs no more than one tab of the same deals (issue 25):
`sheetsales check` (and `run --dry-run`) on ten tabs of 1,000 deals against one tab of 10,000,
each step in a fresh process.

    python benchmarks/bench_tabs.py [--tabs 10] [--rows 1000]
"""

import argparse
import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).parent))
from generate import HEADERS, deal_row  # noqa: E402
from measure import measure  # noqa: E402

TODAY = dt.date(2026, 11, 27)
CHECK = ("import datetime\nfrom sheetsales import check, Config",
         "r = check({path!r}, Config(), datetime.date(2026, 11, 27)); n = len(r.findings)")
RUN = ("import datetime\nfrom sheetsales.core.config import Config\n"
       "from sheetsales.operations.run import run_target\n"
       "from sheetsales.sources.xlsx.target import XlsxTarget",
       "r = run_target(XlsxTarget({path!r}), Config(), datetime.date(2026, 11, 27), "
       "dry_run=True); n = len(r.plan.changes)")


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
    args = parser.parse_args()
    total = args.tabs * args.rows
    print("| workbook | check s | check MB | run --dry-run s | run MB |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for tabs, rows in ((1, total), (args.tabs, args.rows)):
            path = str(workbook(Path(folder) / f"tabs-{tabs}.xlsx", tabs, rows))
            ours = measure(CHECK[0], CHECK[1].format(path=path))
            ran = measure(RUN[0], RUN[1].format(path=path))
            print(f"| {tabs} tab{'s' * (tabs > 1)} × {rows:,} deals | {ours['seconds']:.2f} | "
                  f"{ours['peak_mb']:.0f} | {ran['seconds']:.2f} | {ran['peak_mb']:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
