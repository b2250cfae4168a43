"""Where the shared test data (workbook corpus, recorded API traffic) lives."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """The shared data folder (../shared or $SHEETSALES_SHARED), or None when absent."""
    configured = os.environ.get("SHEETSALES_SHARED")
    path = Path(configured) if configured else REPO.parent / "shared"
    return path if path.is_dir() else None
