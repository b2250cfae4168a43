"""Time `sheetsales run` (check + plan + surgical write of 4 status columns on every deal and
a Reminders sheet) against openpyxl (load, set the same 4 columns, add the sheet, save) and
against the floor (inflate and deflate the deals sheet part alone), same workbooks, same run.

    python benchmarks/bench_run.py --rows 1000 10000 100000 [300000] [--shared-strings]
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402
from measure import measure  # noqa: E402

SETUP = ("import datetime\nfrom sheetsales import Config, check\n"
         "from sheetsales.operations.run import run_target\n"
         "from sheetsales.sources.xlsx.target import XlsxTarget")
RUN = ("result = run_target(XlsxTarget({path!r}, keep_backups=0), Config(), "
       "datetime.date(2026, 11, 27))")
# the write alone: the plan is made before the clock starts
PLAN = (SETUP + "\nfrom sheetsales.plan.make import make_plan\n"
        "target = XlsxTarget({path!r}, keep_backups=0)\n"
        "plan = make_plan(target, check(target.grid, Config(), datetime.date(2026, 11, 27)), "
        "Config())")
WRITE = "target.write(plan)"
# openpyxl doing run's job on the workbook at `path` (bench_process.py runs it too)
OPENPYXL_SAVE = """
wb = openpyxl.load_workbook(path)
ws = wb["Deals"]
for row in range(3, ws.max_row + 1):
    ws.cell(row, 26, "Overdue"); ws.cell(row, 27, "DUE001 delivery 3 days overdue")
    ws.cell(row, 28, "Deliver (due 2026-11-24)"); ws.cell(row, 29, datetime.date(2026, 11, 24))
reminders = wb.create_sheet("Reminders")
for row in range(3, ws.max_row + 1, 10):
    reminders.append(["Ana", row, "Company", "Deliver", datetime.date(2026, 11, 24), 3, "Overdue", row])
wb.save(path)
"""
OPENPYXL = "path = {path!r}" + OPENPYXL_SAVE
FLOOR = """
with zipfile.ZipFile({path!r}) as z:
    data = z.read("xl/worksheets/sheet1.xml")
packer = zlib.compressobj(6, zlib.DEFLATED, -15)
packer.compress(data); packer.flush()
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--shared-strings", action="store_true",
                        help="workbooks with their text in xl/sharedStrings.xml, as Excel saves "
                        "them (the default keeps text inline in the sheet)")
    args = parser.parse_args()
    print("| deals | run s | openpyxl s | run/openpyxl | write s | floor s | write/floor | "
          "run MB | openpyxl MB | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            source = generate(Path(folder) / f"deals-{rows}.xlsx", rows,
                              shared_strings=args.shared_strings)
            results = {}
            for kind, setup, code in (("run", SETUP, RUN), ("write", PLAN, WRITE),
                                      ("openpyxl", "import datetime, openpyxl", OPENPYXL),
                                      ("floor", "import zipfile, zlib", FLOOR)):
                copy = Path(folder) / f"{kind}-{source.name}"
                shutil.copyfile(source, copy)
                results[kind] = measure(setup.format(path=str(copy)), code.format(path=str(copy)))
                copy.unlink()
            ours, base = results["run"], results["openpyxl"]
            write, floor = results["write"], results["floor"]
            print(f"| {rows:,} | {ours['seconds']:.2f} | {base['seconds']:.2f} | "
                  f"{ours['seconds'] / base['seconds']:.2f}x | {write['seconds']:.2f} | "
                  f"{floor['seconds']:.2f} | {write['seconds'] / floor['seconds']:.1f}x | "
                  f"{ours['peak_mb']:.0f} | {base['peak_mb']:.0f} | "
                  f"{ours['peak_mb'] / base['peak_mb']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
