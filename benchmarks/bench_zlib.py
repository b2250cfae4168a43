"""Would isal or zlib-ng pay for the deflate sheet part? (issue 18)

    python benchmarks/bench_zlib.py [--rows 10000 100000] [--repeat 3]

For a generated workbook of each size, two measurements:

  part     CPU seconds to inflate the deals sheet part and deflate it again (in 64 KiB
           pieces, as the writer does) with zlib (level 6, what the writer uses), isal
           (levels 1-3, all it has) and zlib-ng (level 6), and the size each deflate makes;
  process  `sheetsales run` as a whole process with zipfile's inflate and the writer's
           deflate swapped for each library (monkeypatched in the child, an experiment
           only), paired and alternated: wall and CPU (user + sys) seconds, medians.

The writer deflates on a worker thread beside the Python row rewrite, so a faster deflate
saves CPU but wall time only where a core is idle and the worker was the slower of the two.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

PIECE = 1 << 16
SWAP = """
import os, sys, types, zlib, zipfile
which, level = os.environ["SWAP"], int(os.environ["SWAP_LEVEL"])
if which != "zlib":
    if which == "isal":
        from isal import isal_zlib as mod
    else:
        from zlib_ng import zlib_ng as mod
    shim = types.SimpleNamespace(**{k: getattr(zlib, k) for k in dir(zlib) if k[0] != "_"})
    shim.decompressobj, shim.crc32 = mod.decompressobj, mod.crc32
    shim.compressobj = lambda _level=6, *a, **k: mod.compressobj(level, *a, **k)
    zipfile.zlib, zipfile.crc32 = shim, mod.crc32
    from sheetsales.sources.xlsx import zipout
    zipout.zlib = shim
from sheetsales.cli import main
sys.argv = ["sheetsales", "run", "deals.xlsx", "--today", "2026-11-27"]
main()
"""


def libraries():
    found = [("zlib", zlib, (6,))]
    try:
        from isal import isal_zlib
        found.append(("isal", isal_zlib, (1, 2, 3)))
    except ImportError:
        print("isal is not installed")
    try:
        from zlib_ng import zlib_ng
        found.append(("zlib-ng", zlib_ng, (6,)))
    except ImportError:
        print("zlib-ng is not installed")
    return found


def part(path: Path) -> None:
    with zipfile.ZipFile(path) as package:
        data = package.read("xl/worksheets/sheet1.xml")
    packed = zlib.compress(data, 6)[2:-4]  # raw deflate, as in the zip
    for name, module, levels in libraries():
        start = time.process_time()
        inflate = module.decompressobj(-15)
        assert b"".join(inflate.decompress(packed[i:i + PIECE])
                        for i in range(0, len(packed), PIECE)) == data
        inflated = time.process_time() - start
        for level in levels:
            start = time.process_time()
            deflate = module.compressobj(level, module.DEFLATED, -15)
            out = b"".join([deflate.compress(data[i:i + PIECE])
                            for i in range(0, len(data), PIECE)]) + deflate.flush()
            deflated = time.process_time() - start
            assert zlib.decompress(out, -15) == data
            print(f"  {name:8} inflate {inflated:.3f} s, deflate level {level} {deflated:.3f} s, "
                  f"{len(out) / len(packed):.2f}x zlib-6's size")


def process(path: Path, repeat: int) -> None:
    swaps = [(name, str(levels[-1] if name != "isal" else 2))
             for name, _, levels in libraries()]
    got = {name: [] for name, _ in swaps}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for rep in range(repeat):
        for name, level in swaps if rep % 2 == 0 else swaps[::-1]:
            with tempfile.TemporaryDirectory() as folder:
                shutil.copyfile(path, Path(folder) / "deals.xlsx")
                before = os.times()
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", SWAP], cwd=folder, check=True,
                               stdout=subprocess.DEVNULL,
                               env={**env, "SWAP": name, "SWAP_LEVEL": level})
                wall = time.perf_counter() - start
                after = os.times()
                cpu = (after.children_user - before.children_user
                       + after.children_system - before.children_system)
                got[name].append((wall, cpu))
    for name, level in swaps:
        walls, cpus = zip(*got[name])
        print(f"  run with {name} (level {level}): wall {statistics.median(walls):.2f} s, "
              f"CPU {statistics.median(cpus):.2f} s (medians of {repeat})")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = generate(Path(folder) / f"deals-{rows}.xlsx", rows)
            print(f"{rows:,} deals, the sheet part:")
            part(path)
            print(f"{rows:,} deals, whole `sheetsales run`:")
            process(path, args.repeat)


if __name__ == "__main__":
    main()
