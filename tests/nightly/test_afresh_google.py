"""A history that disappeared is noticed on a Google Sheet too (issue 24 item 8): the sheet's
own ownership records show sheetsales wrote there before, so old overdue items are taken as
reminded instead of all being sent again. Through the emulator over HTTP."""

import json

from helpers import run_cli
from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
OVERDUE = ["D-2", "Acme", "Bo", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-20"]
CONFIG = ('[reminders]\noutbox = "outbox"\nsender = "pipeline@example.com"\n'
          '[reminders.owners]\nBo = "bo@example.com"\n')


def test_a_google_sheets_missing_history_is_noticed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheetsales.toml").write_text(CONFIG, encoding="utf-8")
    with Emulator() as emu:
        key = tmp_path / "key.json"
        key.write_text(json.dumps(make_service_account_key(emu.url)))
        sid = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals",
                                                         "values": [HEADER, OVERDUE]}]})
        env = {"SHEETSALES_GOOGLE_API": emu.url}
        command = ["run", f"gsheet:{sid}", "--credentials", key, "--config",
                   tmp_path / "sheetsales.toml"]
        run_cli([*command, "--today", "2026-11-25"], 0, stdout="Reminders: 1 items", env=env)
        for found in (tmp_path / ".sheetsales").glob("history.sqlite*"):
            found.unlink()
        result = run_cli([*command, "--today", "2026-11-26"], 0, env=env,
                         stderr="was missing, so a new one was started; 1 overdue or idle items")
        assert "Reminders: 0 items" in result.stdout  # 6 days overdue: surely sent already
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
