import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoneinfo import ZoneInfo

from sheetsales.core.cells import from_serial, to_serial
from sheetsales.core.dates import Calendar, ParsedDate, parse_text_date, plural, today_in
from sheetsales.core.epochs import epoch_unit, from_epoch


@pytest.mark.parametrize("text,order,expected", [
    ("2026-03-04", None, dt.date(2026, 3, 4)),
    ("2026/3/4", None, dt.date(2026, 3, 4)),
    ("2026-03-04T10:30:00Z", None, dt.date(2026, 3, 4)),
    ("2026-03-04 10:30", None, dt.date(2026, 3, 4)),
    ("13/04/2026", None, dt.date(2026, 4, 13)),
    ("04/13/2026", None, dt.date(2026, 4, 13)),
    ("03/04/2026", "DMY", dt.date(2026, 4, 3)),
    ("03/04/2026", "MDY", dt.date(2026, 3, 4)),
    ("3.4.26", "DMY", dt.date(2026, 4, 3)),
    ("4 Mar 2026", None, dt.date(2026, 3, 4)),
    ("Mar 4, 2026", None, dt.date(2026, 3, 4)),
    ("March 4th 2026", None, dt.date(2026, 3, 4)),
    ("Tue, 4 March 2026", None, dt.date(2026, 3, 4)),
    ("4 mars 2026", None, dt.date(2026, 3, 4)),
    ("4. März 2026", None, dt.date(2026, 3, 4)),
    ("4 de marzo de 2026", None, dt.date(2026, 3, 4)),
    ("04/04/2026", None, dt.date(2026, 4, 4)),
])
def test_parse_text_date(text, order, expected):
    parsed = parse_text_date(text, order)
    assert (parsed.date, parsed.problem) == (expected, None)


@pytest.mark.parametrize("text,problem", [
    ("03/04/2026", "ambiguous"),
    ("30/02/2026", "invalid"),
    ("2026-02-30", "invalid"),
    ("soon", "invalid"),
    ("4 March", "invalid"),
    ("12345", "invalid"),
    ("next friday 2026", "invalid"),
])
def test_unparseable_or_ambiguous(text, problem):
    parsed = parse_text_date(text)
    assert parsed.date is None and parsed.problem == problem and parsed.detail


def test_serial_dates_both_systems():
    assert from_serial(46000) == dt.date(2025, 12, 9)
    assert from_serial(46000 - 1462, date1904=True) == dt.date(2025, 12, 9)


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@given(dates, st.integers(min_value=-400, max_value=400))
def test_calendar_days_add_and_count_are_inverse(start, days):
    cal = Calendar()
    assert cal.days_between(start, cal.add(start, days)) == days


@given(dates, st.integers(min_value=-60, max_value=60))
def test_business_days_add_and_count_are_inverse(start, days):
    cal = Calendar(business_days=True, country="US")
    end = cal.add(start, days)
    assert cal.days_between(start, end) == days
    assert days <= 0 or cal.is_working(end)  # forward, it lands on a working day


@given(dates, dates)
def test_business_days_never_exceed_calendar_days(a, b):
    cal = Calendar(business_days=True, company_holidays=frozenset({dt.date(2026, 12, 24)}))
    business = cal.days_between(a, b)
    assert abs(business) <= abs((b - a).days)
    assert business == -cal.days_between(b, a)


def _naive_between(cal, start, end):
    """Working days in (start, end], counted day by day."""
    sign, low, high = (1, start, end) if end >= start else (-1, end, start)
    days = (high - low).days
    return sign * sum(cal.is_working(low + dt.timedelta(days=n)) for n in range(1, days + 1))


def _naive_add(cal, start, days):
    day, left = start, abs(days)
    while left and days > 0:
        day += dt.timedelta(days=1)
        left -= cal.is_working(day)
    while left and days < 0:
        left -= cal.is_working(day)
        day -= dt.timedelta(days=1)
    return day


@given(dates, dates, st.integers(min_value=-400, max_value=400))
def test_business_days_agree_with_counting_day_by_day(a, b, days):
    """The per-year tables give what walking the calendar one day at a time gives, across
    year ends, weekends, public and company holidays."""
    cal = Calendar(business_days=True, country="GB",
                   company_holidays=frozenset({dt.date(2026, 12, 24), dt.date(2027, 1, 4)}))
    assert cal.days_between(a, b) == _naive_between(cal, a, b)
    assert cal.add(a, days) == _naive_add(cal, a, days)


def test_calendars_with_the_same_settings_are_equal_whatever_they_have_counted():
    counted = Calendar(business_days=True, country="US")
    counted.days_between(dt.date(2020, 1, 1), dt.date(2026, 1, 1))
    assert counted == Calendar(business_days=True, country="US")
    assert counted != Calendar(business_days=True, country="GB")


def test_business_days_skip_weekends_and_holidays():
    cal = Calendar(business_days=True, country="US", company_holidays=frozenset({dt.date(2026, 11, 24)}))
    # Fri 20 Nov -> Fri 27 Nov: Mon, Wed, Fri (Tue company holiday, Thu Thanksgiving)
    assert cal.days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 27)) == 3
    assert cal.plural(3) == "3 business days"


def test_plural_counts_without_the_sign():
    assert [plural(1), plural(-2), plural(0, "business day")] == ["1 day", "2 days", "0 business days"]


instants = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1),
                        timezones=st.just(dt.timezone.utc))


@given(instants, st.integers(min_value=0, max_value=72))
def test_today_across_dst_counts_whole_days(instant, hours):
    """Day counts are calendar dates in the configured zone, so DST shifts never add or lose
    a day: N*24 hours later in UTC is at most one date off, and never a negative count."""
    zone = "Europe/Paris"
    first = today_in(zone, instant)
    later = today_in(zone, instant + dt.timedelta(hours=hours))
    days = Calendar().days_between(first, later)
    assert hours // 24 <= days <= hours // 24 + 1


def test_today_in_zone():
    instant = dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.timezone.utc)  # after the EU DST change
    assert today_in("Europe/Paris", instant) == dt.date(2026, 3, 30)
    assert today_in("America/New_York", instant) == dt.date(2026, 3, 29)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
       st.booleans())
def test_serial_dates_round_trip(day, date1904):
    if date1904 and day < dt.date(1904, 1, 1):
        return
    assert from_serial(to_serial(day, date1904), date1904) == day


def test_excel_counts_a_29_february_1900_that_never_was():
    assert to_serial(dt.date(1900, 1, 1)) == 1
    assert to_serial(dt.date(1900, 2, 28)) == 59
    assert to_serial(dt.date(1900, 3, 1)) == 61
    assert to_serial(dt.datetime(2026, 11, 27, 18)) == 46353.75


@pytest.mark.parametrize("text,zone,expected", [
    ("2023-09-26 15:15:00.000000 UTC", "UTC", dt.date(2023, 9, 26)),
    ("2023-09-26 15:15:00.000000 UTC", "Asia/Tokyo", dt.date(2023, 9, 27)),
    ("2023-09-26T15:15:00.123456789Z", "America/New_York", dt.date(2023, 9, 26)),
    ("2023-09-26T02:15:00Z", "America/New_York", dt.date(2023, 9, 25)),
    ("2026-03-04T23:30:00-05:00", "UTC", dt.date(2026, 3, 5)),
    ("2026-03-04 01:00:00 +0200", "UTC", dt.date(2026, 3, 3)),
    ("2026-03-04T01:00+02", "Europe/Paris", dt.date(2026, 3, 4)),
    ("2026-03-04 23:59:59", "Asia/Tokyo", dt.date(2026, 3, 4)),  # no zone: the date written
    ("2026-03-04T10:30:00Z", None, dt.date(2026, 3, 4)),  # no time zone given: as written
])
def test_timestamps_are_dates_in_the_configured_time_zone(text, zone, expected):
    assert parse_text_date(text, None, zone) == ParsedDate(expected)


@pytest.mark.parametrize("text", ["2026-03-04T25:00:00Z", "2026-03-04T10:61Z",
                                  "2026-03-04T10:30:00+25:00", "2026-02-30 10:00 UTC"])
def test_impossible_timestamps_are_not_dates(text):
    assert parse_text_date(text, None, "UTC").problem == "invalid"


@given(st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9999, 12, 30),
                    timezones=st.sampled_from([dt.timezone.utc,
                                               dt.timezone(dt.timedelta(hours=5, minutes=30)),
                                               dt.timezone(dt.timedelta(hours=-8))])),
       st.sampled_from(["T", " "]), st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati",
                                                      "America/Los_Angeles"]))
def test_any_iso_timestamp_reads_as_its_instants_local_date(moment, sep, zone):
    text = moment.isoformat(sep=sep)
    expected = moment.astimezone(ZoneInfo(zone)).date()
    if expected.year > 9999 or expected.year < 1:
        return
    assert parse_text_date(text, None, zone).date == expected


def test_a_column_proves_epoch_seconds_or_milliseconds_only_when_every_value_fits():
    assert epoch_unit([1695741300000, None, "1695741300000", ""]) == "ms"
    assert epoch_unit([1695741300, 1695741300.25, "1695741300"]) == "s"
    assert epoch_unit([1695741300, 1695741300000]) is None  # units mixed
    assert epoch_unit([1695741300000, "2023-09-26"]) is None  # text among them
    assert epoch_unit([45000, 1695741300]) is None  # an Excel serial day among them
    assert epoch_unit([12345678]) is None and epoch_unit([None, ""]) is None
    assert epoch_unit([True]) is None


def test_epoch_timestamps_are_dates_in_the_time_zone():
    assert from_epoch(1695741300000, "ms") == dt.date(2023, 9, 26)
    assert from_epoch("1695741300", "s", "Pacific/Auckland") == dt.date(2023, 9, 27)


def test_infinite_and_missing_numbers_are_no_epochs():
    assert epoch_unit([float("inf")]) is None and epoch_unit([float("nan")]) is None
