"""Interleaved before/after timing of `run` alone at N deals (bench_run.py's RUN step): the
code at BEFORE (a folder holding an older checkout) against this checkout, R rounds each, in
fresh processes; prints every time and the minimum of each.

    git archive <commit> | tar -x -C /tmp/before
    python benchmarks/bench_before_after.py 100000 4 /tmp/before
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from measure import RUNNER  # noqa: E402

rows, rounds, before = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
SETUP = ("import datetime\nfrom sheetsales import Config, check\n"
         "from sheetsales.operations.run import run_target\n"
         "from sheetsales.sources.xlsx.target import XlsxTarget")
RUN = ("result = run_target(XlsxTarget({path!r}, keep_backups=0), Config(), "
       "datetime.date(2026, 11, 27))")
with tempfile.TemporaryDirectory() as d:
    src = generate(Path(d) / f"deals-{rows}.xlsx", rows)
    out = {"before": [], "after": []}
    for _ in range(rounds):
        for name, code in (("before", before), ("after", str(HERE.parent))):
            copy = Path(d) / f"{name}.xlsx"
            shutil.copyfile(src, copy)
            env = dict(os.environ, PYTHONPATH=code)
            done = subprocess.run([sys.executable, "-c", RUNNER, SETUP,
                                   RUN.format(path=str(copy))],
                                  capture_output=True, text=True, check=True, env=env)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            out[name].append(round(r["seconds"], 2))
            print(name, r, flush=True)
    for k, v in out.items():
        print(k, sorted(v), "min", min(v))
