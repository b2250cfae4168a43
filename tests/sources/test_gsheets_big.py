"""A 30,000-deal Google Sheet, written in pieces under Google's 10 MiB request limit (which
the emulator enforces), verified, in a call count stated here."""

import datetime as dt
import json

import pytest

from sheetsales.core.config import Config
from sheetsales.emulator.hooks import REQUEST_LIMIT
from sheetsales.operations.run import run_target
from sheetsales.core.errors import SourceError
from sheetsales.sources.gsheets import pieces
from sheetsales.sources.gsheets.pieces import split_requests, split_values
from sheetsales.sources.gsheets.write import GSheetTarget

TODAY = dt.date(2026, 11, 27)
DEALS = 30_000
STAGES = ["Lead", "Proposal", "Won", "Delivered"]


def rows(count):
    yield ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
           "Delivery due"]
    for i in range(count):
        stage = STAGES[i % 4]
        yield [f"D-{i + 1}", f"Company {i}", f"Owner {i % 40}", stage, 100 + i % 900,
               "2026-10-01" if stage != "Lead" else "", "2026-10-05" if i % 4 >= 2 else "",
               f"2026-11-{1 + i % 28:02d}" if i % 4 >= 2 else ""]


def test_a_30000_deal_sheet_is_written_in_pieces_under_the_request_limit(emu, google):
    sid = emu.load({"title": "Big", "sheets": [{"title": "Deals", "values": list(rows(DEALS)),
                                                "valueInputOption": "RAW"}]})
    with GSheetTarget.open(f"gsheet:{sid}", environ=google) as target:
        result = run_target(target, Config(), TODAY)
        first = target.requests
    assert "; verified" in result.written
    sizes = [len(json.dumps(r["body"]).encode()) for r in emu.requests() if r["body"]]
    assert all(r["status"] == 200 for r in emu.requests())
    assert max(sizes) < REQUEST_LIMIT
    # 3 reads, the re-read, the write in 3 pieces under 9 MiB each: the claim and the status
    # cells; the Reminders rows (linked, dated); their rest with the look and the Summary
    assert first == 7

    emu.clear_requests()
    with GSheetTarget.open(f"gsheet:{sid}", environ=google) as target:
        later = run_target(target, Config(), TODAY + dt.timedelta(days=1))
        second = target.requests
    assert "; verified" in later.written
    assert second == 6  # 3 reads, 1 re-read, the owned columns (1.2 MB), the Reminders (7 MB)


def test_a_write_over_the_limit_lands_in_pieces_each_journaled(emu, google, monkeypatch):
    """The same path with pieces of 100 KB on 1,500 deals, so that every write is cut."""
    monkeypatch.setattr(pieces, "PIECE_LIMIT", 100_000)
    sid = emu.load({"title": "Big", "sheets": [{"title": "Deals", "values": list(rows(1500)),
                                                "valueInputOption": "RAW"}]})
    with GSheetTarget.open(f"gsheet:{sid}", environ=google) as target:
        result = run_target(target, Config(), TODAY)
        written = len([c for c in target.written if c.sheet == "Deals"])  # + our sheets' cells
    assert "; verified" in result.written and written == len(result.plan.changes)
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"] != "/token"]
    assert len(posts) > 6 and all(len(json.dumps(r["body"]).encode()) < 130_000 for r in posts)
    again = emu.load({"title": "Big", "sheets": [{"title": "Deals", "values": list(rows(1500)),
                                                  "valueInputOption": "RAW"}]})
    emu.queue_errors(400, count=1, method="POST", path_contains=":batchUpdate")
    with GSheetTarget.open(f"gsheet:{again}", environ=google) as target:
        with pytest.raises(SourceError, match=r"\(nothing of the write's \d+ pieces landed\)"):
            run_target(target, Config(), TODAY)
        assert target.written == []


def test_pieces_keep_order_and_clear_the_reminders_sheet_once():
    big = {"updateCells": {"range": {"sheetId": 7}, "fields": "userEnteredValue",
                           "rows": [{"values": [{"userEnteredValue": {"stringValue": "x" * 100}}]}
                                    for _ in range(1000)]}}
    cut_up = split_requests([{"addSheet": {}}, big], limit=40_000)
    assert len(cut_up) > 3 and cut_up[0][0] == {"addSheet": {}}
    cut = [r["updateCells"] for piece in cut_up for r in piece if "updateCells" in r]
    assert "range" in cut[0] and all("start" in c for c in cut[1:])
    assert sum(len(c["rows"]) for c in cut) == 1000
    assert [c["start"]["rowIndex"] for c in cut[1:]] == sorted(c["start"]["rowIndex"]
                                                               for c in cut[1:])
    column = {"dataFilter": {}, "majorDimension": "COLUMNS", "values": [["v" * 50] * 2000]}
    parts = [item for piece in split_values([column], limit=40_000) for item in piece]
    merged = [None] * 2000
    for part in parts:
        for i, value in enumerate(part["values"][0]):
            if value is not None:
                merged[i] = value
    assert merged == column["values"][0] and len(parts) > 2
