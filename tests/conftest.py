import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from nonposix import simulate
from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key

from shared_data import shared_dir
from smtp_server import smtp_server  # noqa: F401 (the fixture, for every test module)


# Property tests check behaviour, never speed (speed is measured in benchmarks/): no per-example
# deadline, which a loaded machine would turn into a flaky failure.
settings.register_profile("sheetsales", deadline=None)
settings.load_profile("sheetsales")


@pytest.fixture(scope="session")
def shared():
    """The shared data folder; skips when absent, fails when CI requires it."""
    path = shared_dir()
    if path is None:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):
            pytest.fail("shared data is required (SHEETSALES_REQUIRE_SHARED) but ../shared is absent")
        pytest.skip("shared data folder ../shared is absent; set SHEETSALES_SHARED")
    return path


# The lock, write, undo, clean and nightly tests run twice: as here, and on a simulated
# non-POSIX machine (tests/support/nonposix.py: no fcntl, no os.pread/os.link..., Windows sharing
# violations).
BOTH_WAYS = {"test_guard.py", "test_backups.py", "test_clean_cli.py", "test_run.py",
             "test_run_xlsx.py", "test_portable.py", "test_nightly.py", "test_reminders.py",
             "test_history.py"}
# Known to fail there, until fixed (strict: fixing one fails the run until it leaves here).
NONPOSIX_KNOWN: dict[str, str] = {}


def pytest_generate_tests(metafunc):
    if Path(metafunc.definition.fspath).name in BOTH_WAYS:
        metafunc.parametrize("os_flavour", ["posix", "nonposix"], indirect=True)


def pytest_collection_modifyitems(items):
    for item in items:
        known = NONPOSIX_KNOWN.get(f"{Path(item.fspath).name}::{item.originalname}")
        if known and getattr(item, "callspec", None) and \
                item.callspec.params.get("os_flavour") == "nonposix":
            item.add_marker(pytest.mark.xfail(reason=known, strict=True))


@pytest.fixture(autouse=True)
def os_flavour(request, monkeypatch, tmp_path_factory):
    """"posix", or "nonposix" where the machine is simulated (see BOTH_WAYS)."""
    flavour = getattr(request, "param", "posix")
    if flavour == "nonposix":
        tmp_path_factory.getbasetemp()  # pytest's own POSIX code (os.getuid) runs first
        simulate(monkeypatch)
    return flavour


# ---- Google Sheets: the loopback Sheets API emulator, and a service-account key for it --------


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def google(emu, tmp_path, monkeypatch) -> dict:
    """The environment that points sheetsales at the emulator, also set for the process."""
    key = tmp_path / "key.json"
    key.write_text(json.dumps(make_service_account_key(emu.url)))
    env = {"SHEETSALES_CREDENTIALS": str(key), "SHEETSALES_GOOGLE_API": emu.url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return env
