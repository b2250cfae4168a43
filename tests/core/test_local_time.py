"""Local time by default (issue 24): "today" and [schedule] at follow the machine's zone unless
[rules] time_zone says otherwise; `init` writes the machine's zone into the config and the run
log names the zone and date used. The clock is always a fake one; the zone comes from $TZ or
from system files under a test root."""

import datetime as dt
import logging
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import CLEAN, OVERDUE, write_deals
from sheetsales import init
from sheetsales.core.config import build_config, load_config
from sheetsales.core.dates import local_zone, today_in
from sheetsales.nightly.scheduler import Scheduler
from sheetsales.operations.run import run

UTC = dt.timezone.utc


@pytest.mark.parametrize("zone, instant, today", [
    # 10:30 UTC is already 00:30 tomorrow on Kiritimati (UTC+14)
    ("Pacific/Kiritimati", dt.datetime(2026, 11, 27, 10, 30, tzinfo=UTC), dt.date(2026, 11, 28)),
    # 08:00 UTC is still 22:00 yesterday on Adak (UTC-10 in winter)
    ("America/Adak", dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), dt.date(2026, 11, 27)),
    # 20:30 UTC is 07:30 tomorrow in Sydney (UTC+11 in summer): a cron run at 07:00
    ("Australia/Sydney", dt.datetime(2026, 11, 27, 20, 30, tzinfo=UTC), dt.date(2026, 11, 28)),
])
def test_today_is_the_machines_date_unless_configured(monkeypatch, tmp_path, zone, instant,
                                                      today):
    monkeypatch.setenv("TZ", zone)
    config = build_config({}, tmp_path / "sheetsales.toml")
    assert config.rules.time_zone == zone
    assert today_in(config.rules.time_zone, instant) == today
    pinned = build_config({"rules": {"time_zone": "UTC"}}, tmp_path / "sheetsales.toml")
    assert today_in(pinned.rules.time_zone, instant) == instant.date()


def test_an_unusable_tz_falls_back_to_the_system_files_or_utc():
    assert local_zone({"TZ": ":Australia/Sydney"}) == "Australia/Sydney"
    assert local_zone({"TZ": "Not/AZone"}) in (local_zone({}), "UTC")


@pytest.mark.parametrize("zone, day, expected_utc", [
    ("Australia/Sydney", dt.date(2026, 11, 27), dt.datetime(2026, 11, 26, 20, 0, tzinfo=UTC)),
    ("Australia/Sydney", dt.date(2026, 6, 1), dt.datetime(2026, 5, 31, 21, 0, tzinfo=UTC)),
    ("America/Adak", dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 17, 0, tzinfo=UTC)),
    ("America/Adak", dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
    ("Pacific/Kiritimati", dt.date(2026, 11, 27), dt.datetime(2026, 11, 26, 17, 0, tzinfo=UTC)),
])
def test_the_schedule_runs_at_seven_on_the_machines_clock(monkeypatch, tmp_path, zone, day,
                                                          expected_utc):
    monkeypatch.setenv("TZ", zone)
    config = build_config({"schedule": {"at": "07:00", "sources": ["deals.xlsx"]}},
                          tmp_path / "sheetsales.toml")
    start = dt.datetime.combine(day, dt.time(0, 30), tzinfo=ZoneInfo(zone))
    now = [start]
    ran = []
    scheduler = Scheduler(config, lambda source: ran.append(now[0]), clock=lambda: now[0],
                          sleep=lambda seconds: None, last_run=lambda source: start)
    assert scheduler.next_run == expected_utc
    now[0] = expected_utc
    scheduler.run_pending()
    assert ran == [expected_utc]
    assert today_in(config.rules.time_zone, ran[0]) == day


# --- where the machine's zone comes from ------------------------------------------------------

def _zone_file(name: str) -> bytes:
    """The compiled zone, from the system's zoneinfo folders, else the tzdata package (the
    Windows dependency, installed elsewhere only by chance)."""
    import zoneinfo
    for folder in zoneinfo.TZPATH:
        found = Path(folder, *name.split("/"))
        if found.is_file():
            return found.read_bytes()
    from importlib.resources import files
    return (files("tzdata.zoneinfo").joinpath(*name.split("/"))).read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="a symbolic link needs privileges there")
def test_the_zone_is_read_from_the_systems_files(tmp_path):
    """As Linux and macOS keep it: /etc/localtime links into a zoneinfo folder (macOS's is
    /var/db/timezone/zoneinfo), else /etc/timezone names it; $TZ wins over both."""
    for name in ("America/Adak", "Pacific/Kiritimati"):
        zone = tmp_path / "var/db/timezone/zoneinfo" / name
        zone.parent.mkdir(parents=True, exist_ok=True)
        zone.write_bytes(_zone_file(name))
    linked = tmp_path / "linked"
    (linked / "etc").mkdir(parents=True)
    (linked / "etc/localtime").symlink_to(tmp_path / "var/db/timezone/zoneinfo/America/Adak")
    assert local_zone({}, root=linked) == "America/Adak"
    assert local_zone({"TZ": "Australia/Sydney"}, root=linked) == "Australia/Sydney"
    named = tmp_path / "named"
    (named / "etc").mkdir(parents=True)
    (named / "etc/timezone").write_text("Pacific/Kiritimati\n", encoding="utf-8")
    assert local_zone({}, root=named) == "Pacific/Kiritimati"
    (named / "etc/timezone").write_text("Not/AZone\n", encoding="utf-8")
    assert local_zone({}, root=named) == "UTC"


def test_the_machines_zone_agrees_with_tzlocal():
    """tzlocal names the zone where our own reading cannot (the Windows registry, mapped to
    IANA names): on a machine both can read, they agree."""
    import tzlocal

    try:
        ZoneInfo(name := tzlocal.get_localzone_name())
    except Exception:
        pytest.skip("tzlocal cannot name this machine's zone")
    assert local_zone({}) == name


# --- init writes the zone, the run log states it ----------------------------------------------

def test_init_writes_the_machines_zone_into_the_config(monkeypatch, tmp_path):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    [config_path, _] = init(tmp_path / "new")
    assert '\ntime_zone = "Pacific/Kiritimati"\n' in config_path.read_text(encoding="utf-8")
    learned = init(tmp_path / "learned", learn_from=write_deals(tmp_path / "deals.xlsx",
                                                                [CLEAN, OVERDUE]))[0]
    monkeypatch.setenv("TZ", "America/Adak")  # the machine moves: the configs keep their zone
    for path in (config_path, learned):
        assert load_config(path, environ={}).rules.time_zone == "Pacific/Kiritimati", path


def test_the_run_log_states_the_zone_and_date_it_used(monkeypatch, tmp_path, caplog):
    """07:30 in Sydney is 20:30 UTC the day before: the log says Sydney's date."""
    monkeypatch.setenv("TZ", "Australia/Sydney")
    write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE])
    config = build_config({"schedule": {"sources": ["deals.xlsx"]}}, tmp_path / "sheetsales.toml")
    instant = dt.datetime(2026, 11, 27, 20, 30, tzinfo=UTC)
    caplog.set_level(logging.INFO, logger="sheetsales")
    scheduler = Scheduler(config, lambda source: run(source, config, now=instant),
                          clock=lambda: instant, sleep=lambda seconds: None)
    [outcome] = scheduler.run_once()
    assert outcome.status == "ok"
    assert "today 2026-11-28 (Australia/Sydney)" in caplog.text
