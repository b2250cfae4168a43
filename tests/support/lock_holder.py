"""Another process holding a source's run lock, as a second sheetsales command would."""

import subprocess
import sys

HOLDER = """
import sys
from sheetsales.operations.guard import source_lock
with source_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def hold(source) -> subprocess.Popen:
    """A process that has taken the lock of `source` and keeps it until a line reaches its
    stdin (`holder.communicate("\\n")`) or it is killed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(source)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    return holder
