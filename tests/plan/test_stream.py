"""`check --format json|csv` streams its findings: the text is exactly the whole rendering,
written a chunk at a time."""

import datetime as dt
import json

import pytest

from sheetsales import check
from sheetsales.core.config import Config
from sheetsales.plan import stream as streaming
from sheetsales.plan.render import render_csv, render_json
from sheetsales.sources.memory import MemoryGrid

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Created", "Next step due"]


def report(deals: int):
    rows = [HEADER] + [[f"D-{i}", "=Acme" if i % 3 else "Beta \"Co\"", "Ann", "Lead" if i % 2
                        else "Proposl", dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
                       for i in range(deals)]
    return check(MemoryGrid({"Deals": rows}), Config(), dt.date(2026, 3, 1))


@pytest.mark.parametrize("deals", [0, 1, 7])
@pytest.mark.parametrize("fmt, whole", [("json", render_json), ("csv", render_csv)])
def test_the_stream_is_the_whole_rendering(monkeypatch, deals, fmt, whole):
    monkeypatch.setattr(streaming, "CHUNK", 3)  # several chunks, and one left over
    checked = report(deals)
    pieces: list[str] = []
    streaming.stream(checked, fmt, pieces.append)
    assert "".join(pieces) == whole(checked)
    if fmt == "json":
        assert len(json.loads("".join(pieces))["findings"]) == len(checked.findings)
    if len(checked.findings) > 3:
        assert len(pieces) > 2 and max(len(p) for p in pieces) < len(whole(checked)) / 2


@pytest.mark.parametrize("document", [
    {}, {"a": []}, {"a": [1, {"b": [None, "é"]}], "c": {"d": 1.5}},
    {"groups": [{"group": 1, "rows": [2, 3]}], "empty": {}, "text": "=x"},
])
def test_write_json_prints_what_json_dumps_prints(monkeypatch, document):
    monkeypatch.setattr(streaming, "CHUNK", 1)
    for lazy in (False, True):
        given = {k: iter(v) if lazy and isinstance(v, list) else v for k, v in document.items()}
        pieces: list[str] = []
        streaming.write_json(given, pieces.append)
        assert "".join(pieces) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
