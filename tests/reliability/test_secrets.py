"""Planted secrets (a service-account private key, its tokens, an SMTP password) never reach
stdout, stderr (even with --debug), the history database or the outbox."""

import json

import pytest

from helpers import CLEAN, OVERDUE, run_cli, write_deals
from sheetsales.emulator.sheets_emulator import Emulator, make_service_account_key

PASSWORD = "planted-SMTP-secret-7f3a"


def leaked(text: str, key: dict) -> list[str]:
    lines = key["private_key"].split("-----")[2].strip().splitlines()
    found = [line for line in lines if line in text]
    for marker in ("ya29.", "Bearer ", "private_key", "eyJ", PASSWORD, key["private_key_id"]):
        if marker in text:
            found.append(marker)
    return found


@pytest.fixture
def google(tmp_path, monkeypatch):
    with Emulator() as emu:
        key = make_service_account_key(emu.url)
        path = tmp_path / "key.json"
        path.write_text(json.dumps(key))
        monkeypatch.chdir(tmp_path)
        yield emu, key, path, {"SHEETSALES_GOOGLE_API": emu.url}


def test_google_failures_with_debug_show_no_key_or_token(google):
    emu, key, path, env = google
    private = emu.load({"private": True, "sheets": [{"title": "Deals"}]})
    shared = emu.load({"sheets": [{"title": "Deals", "values": [
        ["Deal ID", "Company", "Owner", "Stage"], ["D-1", "Acme", "Ana", "Lead"]]}]})
    outputs = []
    for args in (["check", f"gsheet:{private}"], ["run", f"gsheet:{private}"]):
        result = run_cli([*args, "--credentials", path, "--debug"], 2, env=env)
        assert "client_email" in result.stderr or key["client_email"] in result.stderr
        outputs.append(result.stdout + result.stderr)
    emu.revoke_tokens(refuse_grants=True)
    result = run_cli(["run", f"gsheet:{shared}", "--credentials", path, "--debug"], 2, env=env)
    outputs.append(result.stdout + result.stderr)
    assert not leaked("".join(outputs), key)


def test_smtp_password_is_nowhere(tmp_path, smtp_server):
    controller, _ = smtp_server  # offers no AUTH: the login fails after the password is read
    write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    config = tmp_path / "sheetsales.toml"
    config.write_text(
        '[source]\npath = "deals.xlsx"\n[reminders]\nsender = "p@example.com"\n'
        '[reminders.owners]\nBo = "bo@example.com"\n[reminders.smtp]\nhost = "127.0.0.1"\n'
        f'port = {controller.port}\nstarttls = false\nuser = "p@example.com"\n',
        encoding="utf-8")
    result = run_cli(["run", "--config", config, "--today", "2026-11-27", "--debug"], 3,
                     env={"SHEETSALES_SMTP_PASSWORD": PASSWORD})
    assert "refused the session" in result.stderr  # the failed delivery is reported
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".sheetsales").rglob("*") if p.is_file())
    assert PASSWORD not in result.stdout + result.stderr
    assert PASSWORD.encode() not in stored
