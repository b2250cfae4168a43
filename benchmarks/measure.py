"""Run one measured step in a fresh process and report its wall and CPU time and peak memory."""

import json
import subprocess
import sys

RUNNER = r"""
import json, resource, sys, time
exec(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
exec(sys.argv[2])
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(setup: str, code: str) -> dict:
    """Wall and CPU seconds of `code` (after `setup`, usually imports, outside the clock; CPU
    counts every thread) and the process's peak RSS in MB, run in a fresh Python process."""
    done = subprocess.run([sys.executable, "-c", RUNNER, setup, code], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
