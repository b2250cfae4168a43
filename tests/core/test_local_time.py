"""Local time by default (issue 24): "today" and [schedule] at follow the machine's zone unless
[rules] time_zone says otherwise. The clock is always a fake one; the zone comes from $TZ."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheetsales.core.config import build_config
from sheetsales.core.dates import local_zone, today_in
from sheetsales.nightly.scheduler import Scheduler

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
