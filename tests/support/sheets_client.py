"""A real gspread client of the loopback Sheets API emulator, as a person at the Sheets UI
(or any other caller of the API) uses it; its HTTP session is closed after."""

import contextlib

from sheetsales.emulator.sheets_emulator import gspread_client


@contextlib.contextmanager
def person(emu):
    client = gspread_client(emu.url)
    try:
        yield client
    finally:
        client.http_client.session.close()
