"""A Google Sheet whose owner protected sheetsales' status columns or its Reminders sheet
(Data > Protect sheets and ranges, the service account not among the editors): `run` refuses
before writing anything, exit 2, in one sentence naming the range."""


import pytest

from helpers import run_cli
from sheetsales.emulator import edits

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
ROWS = [["D-1", "Acme", "Ana", "Proposal", 1200, "2026-11-20", "", ""],
        ["D-2", "Beta", "Bo", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-24"]]


@pytest.fixture
def sheet(emu, google):
    """The history goes in the test's folder, where `google` stands."""
    sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                     "values": [HEADER, *ROWS]}]})

    def run(day, code, **expected):
        return run_cli(["run", f"gsheet:{sid}", "--today", day], code, **expected)
    return emu, sid, run


def protect(emu, sid, **edit):
    edits.apply(emu.state.api, emu.state.api.spreadsheets[sid], {"action": "protect", **edit})


@pytest.mark.parametrize("edit, named", [
    ({"range": "Deals!I1:L3"}, "Deals!I1:L3 is protected (Data > Protect sheets and ranges) "
                               "and sheetsales would write its status columns there"),
    ({"range": "Deals!B2:B3"}, None),  # the person's own columns: nothing of ours there
])
def test_protected_status_columns_refuse_the_first_run(sheet, edit, named):
    emu, sid, run = sheet
    protect(emu, sid, **edit)
    before = emu.dump(sid, "FORMULA")
    if named is None:
        run("2026-11-27", 0, stdout="Wrote")
        return
    result = run("2026-11-27", 2, stderr=named)
    assert "Nothing was written" in result.stderr and result.stderr.count("\n") == 1
    assert emu.dump(sid, "FORMULA") == before


def test_protected_status_columns_or_reminders_refuse_a_later_run(sheet):
    emu, sid, run = sheet
    run("2026-11-27", 0, stdout="Wrote")
    protect(emu, sid, sheet="Reminders")
    before = emu.dump(sid, "FORMULA")
    run("2026-11-28", 2, stderr="Reminders (the whole sheet) is protected (Data > Protect "
                                "sheets and ranges) and sheetsales would write its reminders "
                                "there; add the service account to that range's editors")
    assert emu.dump(sid, "FORMULA") == before
    emu.state.api.spreadsheets[sid].find_sheet("Reminders").protected.clear()
    protect(emu, sid, range="Deals!J2:J2")
    run("2026-11-28", 2, stderr="Deals!J2 is protected")
    assert emu.dump(sid, "FORMULA") == before
