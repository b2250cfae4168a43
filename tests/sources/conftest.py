"""Fixtures shared by the Google Sheets tests: the loopback Sheets API emulator, and a
service-account key for it in the environment (the history lives in the test's folder)."""

import json

import pytest

from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key


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
