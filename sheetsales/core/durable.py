"""Making a rename durable: after a file is renamed into a folder, the folder itself is
fsynced so a power cut cannot lose the new name. POSIX only: Windows cannot open a folder
as a file, and its file system commits a rename's metadata itself."""

import os
import sys
from contextlib import suppress
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op on Windows; best effort elsewhere)."""
    if sys.platform == "win32":
        return
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
