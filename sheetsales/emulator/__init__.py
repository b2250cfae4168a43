"""A loopback Google Sheets API server, shipped so that users and the tests can try the whole
Google Sheets path offline (`python -m sheetsales.emulator --port 0`). It answers the request
shapes the real API answers, recorded in the shared cassettes. May import core and sources.

ERRORS.md beside this file lists every error text the emulator answers and which of them are
Google's own (with the public record) and which are still guesses."""
