"""Time the surgical writer against openpyxl and against the floor, on generated deals sheets.

    python benchmarks/bench_write.py            # 1k, 10k and 100k rows x 25 columns
    python benchmarks/bench_write.py --300k     # and 300k rows
    python benchmarks/bench_write.py --sizes 1000 5000 --skip-openpyxl

Each measurement runs in its own subprocess, so its peak RSS (from os.wait4, the per-child
form of getrusage(RUSAGE_CHILDREN)) is its own. The work measured:
- sheetsales: write_xlsx of 4 status columns on every row plus a Reminders sheet;
- openpyxl: load_workbook, set the same 4 columns, add the same sheet, save;
- floor: inflate the deals sheet part and deflate it again (zlib level 6), the least any
  writer that changes the sheet must do.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

COLUMNS = ["Deal ID", "Company", "Contact", "Email", "Owner", "Product", "Stage", "Amount",
           "Probability", "Created", "First contact", "Discovery on", "Proposal sent",
           "Confirmed on", "Delivery due", "Delivered on", "Follow-up due", "Followed up on",
           "Next step", "Next step due", "Last contact", "Lost on", "Lost reason",
           "Snooze until", "Notes"]
STATUS = ["Status", "Flags", "Next action", "Next action due"]
DATE_COLUMNS = {i for i, name in enumerate(COLUMNS)
                if name.endswith((" on", " due", "Created", "contact", "sent", "until"))}
STAGES = ["Lead", "Contacted", "Discovery", "Proposal", "Won", "Delivered", "Followed up"]
OWNERS = ["Ann", "Bob", "Cy", "Dee"]


def generate(path: Path, rows: int):
    """A deals workbook of `rows` deals x 25 columns, written in constant memory."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("Deals")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, COLUMNS, bold)
    start = dt.datetime(2025, 1, 1)
    for r in range(1, rows + 1):
        for c, name in enumerate(COLUMNS):
            if c in DATE_COLUMNS:
                ws.write_datetime(r, c, start + dt.timedelta(days=(r + c) % 500), date)
            elif name in ("Amount", "Probability"):
                ws.write_number(r, c, (r * 37 + c) % 100000)
            elif name == "Stage":
                ws.write_string(r, c, STAGES[r % len(STAGES)])
            elif name == "Owner":
                ws.write_string(r, c, OWNERS[r % len(OWNERS)])
            else:
                ws.write_string(r, c, f"{name} {r}")
    wb.add_worksheet("Products").write_row(0, 0, ["Product", "Price", "Lead time days"])
    wb.close()


def plan(rows: int):
    """The status cells (by row and column offset) and the Reminders rows a run would write."""
    first = len(COLUMNS) + 1  # just right of the header
    due = dt.date(2026, 3, 4)
    status = {}
    for r in range(1, rows + 2):
        values = STATUS if r == 1 else ["Overdue", f"DUE001 delivery {r % 9} days overdue",
                                        "Deliver (due 2026-03-04)", due]
        for offset, value in enumerate(values):
            status[(r, first + offset)] = value
    reminders = [["Owner", "Deal ID", "Company", "Action", "Due", "Days overdue", "Status", "Row"]]
    reminders += [[OWNERS[r % 4], f"Deal ID {r}", f"Company {r}", "Deliver", due, r % 9,
                   "Overdue", r] for r in range(2, rows + 2, 10)]
    return status, reminders


def measure(kind: str, path: Path, rows: int) -> float:
    """Run one measurement in this process; returns its wall time in seconds."""
    status, reminders = plan(rows)
    if kind == "sheetsales":
        from sheetsales.sources.xlsx_cells import cell_name
        from sheetsales.sources.xlsx_writer import write_xlsx

        cells = {("Deals", cell_name(r, c)): v for (r, c), v in status.items()}
        start = time.perf_counter()
        write_xlsx(path, cells, {"Reminders": reminders})
        return time.perf_counter() - start
    if kind == "openpyxl":
        import openpyxl

        start = time.perf_counter()
        wb = openpyxl.load_workbook(path)
        ws = wb["Deals"]
        for (r, c), v in status.items():
            ws.cell(r, c, v)
        extra = wb.create_sheet("Reminders")
        for row in reminders:
            extra.append(row)
        wb.save(path)
        return time.perf_counter() - start
    if kind == "floor":
        start = time.perf_counter()
        with zipfile.ZipFile(path) as z:
            data = z.read("xl/worksheets/sheet1.xml")
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        packer.compress(data)
        packer.flush()
        return time.perf_counter() - start
    raise ValueError(kind)


def run_child(kind: str, source: Path, rows: int, work: Path) -> dict:
    """Copy the workbook, measure `kind` on the copy in a subprocess, return time and peak RSS."""
    copy = work / f"{kind}-{source.name}"
    shutil.copyfile(source, copy)
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(copy), str(rows)],
                            stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{kind} on {rows} rows failed (exit {proc.returncode})")
    result = json.loads(out)
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["out_mb"] = copy.stat().st_size / 2**20
    copy.unlink()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--300k", dest="big", action="store_true", help="add 300,000 rows")
    parser.add_argument("--skip-openpyxl", action="store_true")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "sheetsales-bench",
                        help="where generated workbooks are kept between runs")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, rows = args.child
        print(json.dumps({"seconds": measure(kind, Path(path), int(rows))}))
        return
    sizes = args.sizes + ([300_000] if args.big else [])
    kinds = ["sheetsales", "floor"] + ([] if args.skip_openpyxl else ["openpyxl"])
    args.data.mkdir(parents=True, exist_ok=True)
    header = (f"{'rows':>8} {'file MB':>8} | {'sheetsales s':>12} {'RSS MB':>7} | "
              f"{'floor s':>8} {'RSS MB':>7} | {'openpyxl s':>10} {'RSS MB':>7} | "
              f"{'vs floor':>8} {'openpyxl/ss':>11}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(dir=args.data) as work:
        for rows in sizes:
            source = args.data / f"deals-{rows}.xlsx"
            if not source.exists():
                generate(source, rows)
            r = {kind: run_child(kind, source, rows, Path(work)) for kind in kinds}
            ss, floor, opx = r["sheetsales"], r["floor"], r.get("openpyxl")
            print(f"{rows:>8} {source.stat().st_size / 2**20:>8.1f} | "
                  f"{ss['seconds']:>12.2f} {ss['rss_mb']:>7.0f} | "
                  f"{floor['seconds']:>8.2f} {floor['rss_mb']:>7.0f} | "
                  + (f"{opx['seconds']:>10.2f} {opx['rss_mb']:>7.0f} | " if opx else
                     f"{'-':>10} {'-':>7} | ")
                  + f"{ss['seconds'] / floor['seconds']:>7.1f}x "
                  + (f"{opx['seconds'] / ss['seconds']:>10.1f}x" if opx else f"{'-':>11}"),
                  flush=True)


if __name__ == "__main__":
    main()
