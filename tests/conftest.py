import os

import pytest

from shared_data import shared_dir
from smtp_server import smtp_server  # noqa: F401 (the fixture, for every test module)


@pytest.fixture(scope="session")
def shared():
    """The shared data folder; skips when absent, fails when CI requires it."""
    path = shared_dir()
    if path is None:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):
            pytest.fail("shared data is required (SHEETSALES_REQUIRE_SHARED) but ../shared is absent")
        pytest.skip("shared data folder ../shared is absent; set SHEETSALES_SHARED")
    return path
