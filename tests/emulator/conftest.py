"""An emulator and a gspread client signed in to it, for the emulator's tests."""

import pytest

from sheetsales.emulator.sheets_emulator import Emulator, gspread_client


@pytest.fixture
def emulator():
    with Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator):
    gc = gspread_client(emulator.url)
    yield gc
    gc.http_client.session.close()
