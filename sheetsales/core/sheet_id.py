"""One identity per Google Sheet: its spreadsheet ID, whatever form the user gave it
(`gsheet:KEY`, `gsheet:KEY/Tab`, a pasted URL with or without #gid, the config's [source]).
The run history, the run lock and the sent-reminder records are keyed by it, so a run by URL
and an `undo gsheet:KEY` mean the same spreadsheet. Pure text: no gspread, no network."""

import re
from pathlib import Path

GSHEET = "gsheet:"
KEY = re.compile(r"[A-Za-z0-9_-]{10,}")  # what a spreadsheet ID looks like
URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([^/?#]+)")


def is_google_source(source) -> bool:
    """gsheet:KEY[/WORKSHEET] or a pasted Google Sheets URL."""
    return isinstance(source, str) and (source.startswith(GSHEET) or
                                        "docs.google.com/spreadsheets" in source)


def is_remote(source) -> bool:
    """A source that is no file on this machine (a Google Sheet, any URL): no folder of its
    own for the history, no file lock."""
    text = str(source)
    return text.startswith(GSHEET) or "://" in text


def spreadsheet_id(source: str | Path) -> str | None:
    """The spreadsheet ID a Google source names; None for anything else (a file path, an
    address without a readable ID)."""
    text = str(source).strip()
    if text.startswith(GSHEET):
        key = text[len(GSHEET):].partition("/")[0]
    else:
        match = URL.match(text)
        key = match[1] if match else ""
    return key if KEY.fullmatch(key) else None


def source_identity(source: str | Path) -> str:
    """`gsheet:ID` for a Google Sheet in any of its forms; any other source as given."""
    key = spreadsheet_id(source)
    return f"{GSHEET}{key}" if key else str(source)
