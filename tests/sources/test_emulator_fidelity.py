"""Replay recorded real Google API traffic (the shared gspread cassettes) against the emulator.

Each cassette is replayed request by request, in order, against a fresh emulator over real
HTTP on loopback. Ids the real API assigned (spreadsheet ids, sheet ids) are mapped to the ids
the emulator assigned the first time a response mentions them; after that a different id is a
mismatch like any other. Normalisation is deliberately small: mapped ids, and Drive's
createdTime/modifiedTime timestamps. Everything else, including status codes and the exact JSON
number types (``2`` vs ``2.0``), must match. Known divergences are listed in KNOWN_DIVERGENCES
as strict xfails, so they fail loudly once fixed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from sheetsales.emulator.sheets_emulator import Emulator, route_session
from shared_data import shared_dir

CASSETTES = "gspread-cassettes"
ID_KEYS = ("id", "spreadsheetId", "sheetId", "namedRangeId", "metadataId")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")

# The world the recordings were made in, beyond what the cassettes themselves create: the
# private-spreadsheet test opened a spreadsheet that existed but was not shared with the account.
WORLD = {
    "ClientTest.test_access_private_spreadsheet": [
        {"id": "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc", "title": "Not shared", "private": True},
    ],
}

# (cassette stem, interaction index) -> why the emulator answers differently. Empty today:
# every recorded interaction matches after normalisation.
KNOWN_DIVERGENCES: dict[tuple[str, int], str] = {}


def _cassette_dir_at_collection() -> Path | None:
    """Where the cassettes are, found the same way tests/conftest.py finds the shared folder."""
    shared = shared_dir()
    folder = shared / CASSETTES if shared else None
    return folder if folder and folder.is_dir() else None


def _cases():
    folder = _cassette_dir_at_collection()
    files = sorted(folder.glob("*.json")) if folder else []
    if not files:  # still request the shared fixture, so absence skips (or fails under CI)
        return [pytest.param(None, None, id="no-cassettes")]
    cases = []
    for path in files:
        count = len(json.loads(path.read_text(encoding="utf-8"))["interactions"])
        for index in range(count):
            reason = KNOWN_DIVERGENCES.get((path.stem, index))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(path.stem, index, id=f"{path.stem}[{index:02d}]", marks=marks))
    return cases


@pytest.fixture(scope="module")
def replayed(shared):
    """cassette stem -> list of (expected, actual) per interaction; each cassette replayed once."""
    folder = shared / CASSETTES
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing from the shared folder")
    cache: dict[str, list] = {}

    def get(stem: str) -> list:
        if stem not in cache:
            cache[stem] = replay(folder / f"{stem}.json", WORLD.get(stem, []))
        return cache[stem]

    return get


def replay(path: Path, world: list[dict]) -> list[tuple[tuple, tuple]]:
    interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    results, mapping = [], {}
    with Emulator(require_auth=False) as emulator, requests.Session() as session:
        route_session(session, emulator.url)
        for spec in world:
            emulator.load(spec)
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            body = request["body"]
            if body:
                body = json.dumps(_substitute(json.loads(body), mapping))
            answer = session.request(request["method"], _substitute(request["uri"], mapping), data=body,
                                     headers={"Content-Type": "application/json"} if body else {})
            recorded = response["body"]["string"]
            expected_body = json.loads(recorded) if recorded else None
            actual_body = answer.json() if answer.content else None
            _learn_ids(expected_body, actual_body, mapping)
            expected = (response["status"]["code"], _canonical(_substitute(expected_body, mapping)))
            actual = (answer.status_code, _canonical(actual_body))
            results.append((expected, actual))
    return results


def _learn_ids(recorded, actual, mapping: dict) -> None:
    """Map ids the real API assigned to the emulator's, the first time each one appears."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for key, value in recorded.items():
            if key not in actual:
                continue
            other = actual[key]
            if key in ID_KEYS and isinstance(value, (str, int)) and value != other:
                if value not in mapping and other not in mapping.values():
                    mapping[value] = other
            _learn_ids(value, other, mapping)
    elif isinstance(recorded, list) and isinstance(actual, list):
        for a, b in zip(recorded, actual):
            _learn_ids(a, b, mapping)


def _substitute(value, mapping: dict):
    if isinstance(value, dict):
        return {k: (mapping.get(v, v) if k in ID_KEYS and isinstance(v, int) else _substitute(v, mapping))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, mapping) for v in value]
    if isinstance(value, str):
        for old, new in mapping.items():
            if isinstance(old, str):
                value = value.replace(old, new)
        return value
    return value


def _canonical(body) -> str | None:
    """JSON text with sorted keys and timestamps blanked; keeps ``2`` distinct from ``2.0``."""
    def blank(value):
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        if isinstance(value, str) and TIMESTAMP.fullmatch(value):
            return "<timestamp>"
        return value
    return None if body is None else json.dumps(blank(body), sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("cassette,index", _cases())
def test_interaction_matches_recording(replayed, cassette, index):
    if cassette is None:
        pytest.fail("the shared folder exists but holds no gspread cassettes")
    expected, actual = replayed(cassette)[index]
    assert actual == expected


def test_replay_learns_only_new_ids():
    mapping = {}
    _learn_ids({"id": "real-1", "sheets": [{"sheetId": 7}]}, {"id": "emu-1", "sheets": [{"sheetId": 9}]}, mapping)
    _learn_ids({"id": "real-1"}, {"id": "emu-2"}, mapping)  # a later, different answer is not re-mapped
    assert mapping == {"real-1": "emu-1", 7: 9}
    assert _substitute({"sheetId": 7, "uri": "/files/real-1"}, mapping) == {"sheetId": 9, "uri": "/files/emu-1"}
