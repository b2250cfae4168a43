import os
from pathlib import Path

import pytest

from smtp_server import smtp_server  # noqa: F401 (the fixture, for every test module)

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """The shared data folder (../shared or $SHEETSALES_SHARED), or None when absent."""
    configured = os.environ.get("SHEETSALES_SHARED")
    path = Path(configured) if configured else REPO.parent / "shared"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared():
    """The shared data folder; skips when absent, fails when CI requires it."""
    path = shared_dir()
    if path is None:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):
            pytest.fail("shared data is required (SHEETSALES_REQUIRE_SHARED) but ../shared is absent")
        pytest.skip("shared data folder ../shared is absent; set SHEETSALES_SHARED")
    return path
