"""Months unattended: the nightly job (check, write, journal, digests to an outbox, history)
run on the same workbook night after night, reporting per night the history's size on disk
(database plus its WAL) and the run time. A history that stays small is flat after the
first month.

    python benchmarks/bench_history.py --nights 400 --deals 500 [--every 25]
"""

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import OWNERS, generate  # noqa: E402

from sheetsales.core.config import build_config  # noqa: E402
from sheetsales.nightly.history import history_path  # noqa: E402
from sheetsales import run  # noqa: E402

START = dt.date(2026, 1, 5)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def simulate(nights: int, deals: int, every: int, folder: Path) -> list[tuple]:
    workbook = generate(folder / "deals.xlsx", deals, today=START)
    config = build_config({"reminders": {
        "outbox": "outbox", "sender": "pipeline@example.com",
        "owners": {name: f"owner{n}@example.com" for n, name in enumerate(OWNERS)}}},
        folder / "sheetsales.toml")
    database = history_path(config, workbook)
    rows = []
    for night in range(nights):
        today = START + dt.timedelta(days=night)
        began = time.perf_counter()
        run(workbook, config, today,
            now=dt.datetime.combine(today, dt.time(7), tzinfo=dt.timezone.utc))
        seconds = time.perf_counter() - began
        rows.append((night + 1, size(database), seconds))
        if (night + 1) % every == 0 or night == 0:
            print(f"night {night + 1:4d}: history {size(database) / 1024:8.1f} KB, "
                  f"run {seconds:.3f} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=400)
    parser.add_argument("--deals", type=int, default=500)
    parser.add_argument("--every", type=int, default=25, help="print every N nights")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = simulate(args.nights, args.deals, args.every, Path(folder))
    month = [r for r in rows if r[0] <= 30]
    late = rows[-30:]
    mean = lambda part: sum(r[2] for r in part) / len(part)  # noqa: E731
    print(f"\n{args.deals} deals, {args.nights} nights: history {rows[min(29, len(rows) - 1)][1] / 1024:.0f} KB "
          f"after night {min(30, len(rows))}, {rows[-1][1] / 1024:.0f} KB after night {rows[-1][0]}; "
          f"run time {mean(month):.3f} s a night over the first 30 nights, "
          f"{mean(late):.3f} s over the last 30")


if __name__ == "__main__":
    main()
