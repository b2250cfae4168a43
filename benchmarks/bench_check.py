"""Time `sheetsales check` against openpyxl's full load of the same workbook, same run.

    python benchmarks/bench_check.py --rows 1000 10000 100000 [300000] [--business-days]
        [--shared-strings]

With --business-days the check counts working days with US public holidays; with
--shared-strings the workbooks keep their text in xl/sharedStrings.xml, as Excel saves them.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402
from measure import measure  # noqa: E402

CHECK = ("import datetime\nfrom sheetsales import check, Config\n"
         "from sheetsales.core.config import Rules",
         "r = check({path!r}, Config(rules={rules}), datetime.date(2026, 11, 27)); "
         "n = len(r.findings)")
OPENPYXL = ("import openpyxl", "wb = openpyxl.load_workbook({path!r})")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--shared-strings", action="store_true",
                        help="workbooks with their text in xl/sharedStrings.xml, as Excel saves "
                        "them (the default keeps text inline in the sheet)")
    parser.add_argument("--business-days", action="store_true",
                        help="count working days (US public holidays) instead of calendar days")
    args = parser.parse_args()
    rules = 'Rules(business_days=True, country="US")' if args.business_days else "Rules()"
    print("| deals | check s | openpyxl load s | time ratio | check MB | openpyxl MB | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = generate(Path(folder) / f"deals-{rows}.xlsx", rows,
                            shared_strings=args.shared_strings)
            ours = measure(CHECK[0], CHECK[1].format(path=str(path), rules=rules))
            base = measure(OPENPYXL[0], OPENPYXL[1].format(path=str(path)))
            print(f"| {rows:,} | {ours['seconds']:.2f} | {base['seconds']:.2f} | "
                  f"{ours['seconds'] / base['seconds']:.2f}x | {ours['peak_mb']:.0f} | "
                  f"{base['peak_mb']:.0f} | {ours['peak_mb'] / base['peak_mb']:.2f}x |",
                  flush=True)


if __name__ == "__main__":
    main()
