"""What a Google Sheets SOURCE names (gsheet:KEY[/TAB] or a pasted URL) and which
service-account key signs in (--credentials > $SHEETSALES_CREDENTIALS >
$GOOGLE_APPLICATION_CREDENTIALS). A key's contents are never echoed in a message."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from ...core.errors import SourceError
from ...core.sheet_id import KEY as _KEY, URL as _URL

CREDENTIAL_VARIABLES = ("SHEETSALES_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS")
KEY_FIELDS = ("client_email", "private_key", "token_uri")


class GSheetSource(NamedTuple):
    """What a SOURCE names: the spreadsheet key and a worksheet (its title, or its gid as
    an int), or None for "find the deals sheet"."""

    key: str
    tab: str | int | None = None

    @property
    def text(self) -> str:
        return f"gsheet:{self.key}" + ("" if self.tab is None or isinstance(self.tab, int)
                                       else f"/{self.tab}")


def parse_source(text: str) -> GSheetSource:
    """`gsheet:KEY`, `gsheet:KEY/Tab name` or a pasted Sheets URL (…/d/KEY/edit#gid=N or
    ?gid=N) -> GSheetSource(key, tab)."""
    if text.startswith("gsheet:"):
        key, _, tab = text[len("gsheet:"):].partition("/")
        _check_key(key, text)
        return GSheetSource(key, tab or None)
    match = _URL.match(text)
    if not match:
        raise SourceError(f"{text} is not a Google Sheets address; paste the sheet's URL "
                          "(https://docs.google.com/spreadsheets/d/KEY/edit) or use gsheet:KEY")
    key = match[1]
    if key == "e":
        raise SourceError(f"{text} is a published-to-the-web link, which the API cannot open; "
                          "paste the URL from the address bar while editing the sheet")
    _check_key(key, text)
    parts = urlsplit(text)
    gid = (parse_qs(parts.fragment).get("gid") or parse_qs(parts.query).get("gid") or [None])[0]
    if gid is not None and not gid.isdigit():
        raise SourceError(f"{text}: gid={gid} is not a worksheet number; copy the URL again")
    return GSheetSource(key, int(gid) if gid is not None else None)


def _check_key(key: str, text: str) -> None:
    if not _KEY.fullmatch(key):
        raise SourceError(f"{text!r} does not contain a spreadsheet key (the long id between "
                          "/d/ and /edit in the sheet's URL); use gsheet:KEY or paste the URL")


# ---- credentials --------------------------------------------------------------------------

def resolve_credentials(explicit: str | Path | None, environ: Mapping[str, str]) -> Path:
    """The service-account key file: `explicit` (--credentials), else $SHEETSALES_CREDENTIALS,
    else $GOOGLE_APPLICATION_CREDENTIALS."""
    candidates = [("--credentials", explicit)] + [(f"${name}", environ.get(name))
                                                  for name in CREDENTIAL_VARIABLES]
    for origin, value in candidates:
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise SourceError(f"the service-account key file {path} (from {origin}) does not "
                                  "exist; check the path")
            return path
    raise SourceError("Google Sheets needs a service-account key file: pass --credentials "
                      "KEY.json, or set SHEETSALES_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS "
                      "to its path (create one under IAM > Service accounts > Keys)")


def load_key(path: Path) -> dict:
    """The key file's JSON, checked to be a service-account key (contents never echoed)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        info = None
    if not isinstance(info, dict):
        raise SourceError(f"{path} is not a service-account key (not readable JSON); download "
                          "a JSON key for the service account and point --credentials at it")
    if info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info.get("type"), str) else "unknown"
        raise SourceError(f"{path} holds {kind!r} credentials, not a service-account key; "
                          "create a JSON key for a service account and share the sheet with it")
    missing = [f for f in KEY_FIELDS if not isinstance(info.get(f), str) or not info[f]]
    if missing:
        raise SourceError(f"{path} is an incomplete service-account key (no "
                          f"{', '.join(missing)}); download a new JSON key")
    return info
