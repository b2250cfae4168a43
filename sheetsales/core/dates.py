"""Dates: cell values to dates, text-date parsing per date order, and day counting
(calendar or business days with holidays). Pure: `today` is always passed in."""

import bisect
import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


DATE_ORDERS = ("DMY", "MDY", "YMD")

MONTHS = {
    # English, French, German, Spanish, Italian, Dutch, Portuguese; full names and short forms
    1: "jan january janv janvier januar enero ene gennaio gen januari janeiro",
    2: "feb february fev fevr fevrier février févr februar febrero febbraio februari fevereiro",
    3: "mar march mars marz märz marzo mrt maart marco março",
    4: "apr april avr avril abril abr aprile",
    5: "may mai mayo maggio mag mei maio",
    6: "jun june juin juni junio giugno giu junho",
    7: "jul july juil juillet juli julio luglio lug julho",
    8: "aug august aout août agosto ago augustus",
    9: "sep sept september septembre septiembre settembre set setembro",
    10: "oct october octobre oktober okt octubre ottobre ott outubro out",
    11: "nov november novembre noviembre novembro",
    12: "dec december decembre décembre dezember dez diciembre dic dicembre dezembro",
}
MONTH_NAMES = {name: number for number, names in MONTHS.items() for name in names.split()}

# A date, optionally a time (fractional seconds allowed) and a zone: "2026-03-04",
# "2026-03-04T10:30:00Z", "2023-09-26 15:15:00.000000 UTC", "2026-03-04T23:30-05:00"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})"
                  r"(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$",
                  re.IGNORECASE)
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?"
                      r"(?:\s*[AaPp][Mm])?)?$")
_WORDS = re.compile(r"[^\W\d_]+\.?|\d+", re.UNICODE)


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a cell: `date` when it is one, else `problem` ("invalid" or
    "ambiguous") with a human `detail`."""

    date: dt.date | None = None
    problem: str | None = None
    detail: str = ""


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _make(year, month, day) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_text_date(text: str, date_order: str | None = None,
                    time_zone: str | None = None) -> ParsedDate:
    """Parse a date typed as text. Unambiguous forms always parse; a numeric date whose day
    and month could swap (03/04/2026) needs `date_order`, else it is reported ambiguous. A
    timestamp with a zone (Z, UTC, +02:00) is the date it was in `time_zone` at that instant;
    without one, or with no `time_zone`, it is the date written."""
    text = text.strip()
    if m := _ISO.match(text):
        found = _make(int(m[1]), int(m[2]), int(m[3]))
        if found and m[4] is not None:
            found = _local_date(found, m, time_zone)
        return ParsedDate(found) if found else _bad(text)
    if m := _NUMERIC.match(text):
        return _numeric(text, int(m[1]), int(m[2]), _year(m[3]), date_order)
    return _worded(text)


def _local_date(day: dt.date, m: re.Match, time_zone: str | None) -> dt.date | None:
    """The date in `time_zone` of the timestamp matched by _ISO; None when no such time."""
    zone = m[7]
    try:
        moment = dt.datetime.combine(day, dt.time(int(m[4]), int(m[5]), int(m[6] or 0)))
    except ValueError:
        return None
    if zone is None or time_zone is None:
        return day
    offset = 0
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 60 + int(digits[2:] or 0)
        offset = -offset if zone[0] == "-" else offset
        if offset >= 24 * 60:
            return None
    aware = moment.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset)))
    return aware.astimezone(ZoneInfo(time_zone)).date()


def _numeric(text, first, second, year, date_order) -> ParsedDate:
    dmy = _make(year, second, first)
    mdy = _make(year, first, second)
    if dmy and mdy and dmy != mdy:
        if date_order == "DMY":
            return ParsedDate(dmy)
        if date_order == "MDY":
            return ParsedDate(mdy)
        return ParsedDate(None, "ambiguous",
                          f"{text!r} could be {dmy.isoformat()} (day first) or "
                          f"{mdy.isoformat()} (month first)")
    if dmy or mdy:
        return ParsedDate(dmy or mdy)
    return _bad(text)


def _worded(text) -> ParsedDate:
    tokens = [t.rstrip(".").lower() for t in _WORDS.findall(text)]
    months = [MONTH_NAMES[t] for t in tokens if t in MONTH_NAMES]
    numbers = [t for t in tokens if t.isdigit()]
    words = [t for t in tokens if not t.isdigit() and t not in MONTH_NAMES]
    # Allow weekday names and ordinals ("Tue, 4th March 2026") but nothing else wordy.
    if len(months) != 1 or len(numbers) != 2 or any(len(w) > 3 and w not in _WEEKDAYS
                                                     for w in words):
        return _bad(text)
    long = [n for n in numbers if len(n) == 4]
    if len(long) != 1:
        return _bad(text)
    numbers.remove(long[0])
    found = _make(int(long[0]), months[0], int(numbers[0]))
    return ParsedDate(found) if found else _bad(text)


_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _bad(text) -> ParsedDate:
    return ParsedDate(None, "invalid", f"{text!r} is not a date")


def plural(count: int, unit: str = "day") -> str:
    """`3 days`, `1 business day`: a count of units, without its sign."""
    count = abs(count)
    return f"{count} {unit}{'' if count == 1 else 's'}"


def local_zone(environ=None, root: Path = Path("/")) -> str:
    """The machine's IANA time zone: $TZ, else where `root`/etc/localtime points (Linux,
    macOS), else `root`/etc/timezone, else the operating system's setting as tzlocal reads it
    (the Windows registry, mapped to IANA names; the other files some systems keep); "UTC"
    when none names a zone. `root` is for tests."""
    environ = os.environ if environ is None else environ
    for name in _zone_candidates(environ, root):
        if name and not name.startswith("/"):
            with contextlib.suppress(ValueError, ZoneInfoNotFoundError):
                ZoneInfo(name)
                return name
    return "UTC"


def _zone_candidates(environ, root: Path):
    """The names the machine gives its zone, cheapest first (tzlocal only when needed)."""
    yield environ.get("TZ", "").lstrip(":")
    with contextlib.suppress(OSError):
        target = os.path.realpath(root / "etc" / "localtime")
        if "zoneinfo" + os.sep in target:
            yield target.split("zoneinfo" + os.sep, 1)[1].replace(os.sep, "/")
    with contextlib.suppress(OSError):
        yield (root / "etc" / "timezone").read_text(encoding="utf-8").strip()
    if root == Path("/"):
        yield _tzlocal_zone()


def _tzlocal_zone() -> str:
    import warnings

    try:
        import tzlocal

        with warnings.catch_warnings():  # its doubts about a system file are not the user's
            warnings.simplefilter("ignore")
            return tzlocal.get_localzone_name() or ""
    except Exception:  # tzlocal raises several kinds for conflicting or unreadable settings
        return ""


def today_in(time_zone: str, now: dt.datetime | None = None) -> dt.date:
    """The calendar date in `time_zone` at the instant `now` (default: the real clock)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(ZoneInfo(time_zone)).date()


@dataclass
class Calendar:
    """Counts days between dates: calendar days, or with `business_days` working days
    (Mon-Fri, minus a country's public holidays and the company's own).

    Working days are counted through a per-year table (working days from 1 January up to
    each day), so a count or an offset costs the same over a week or over ten years."""

    business_days: bool = False
    country: str | None = None
    company_holidays: frozenset = frozenset()
    # caches, not settings: two calendars with the same settings are equal
    _country_days: dict = field(default_factory=dict, repr=False, compare=False)
    _years: dict = field(default_factory=dict, repr=False, compare=False)  # see _year

    @property
    def unit(self) -> str:
        return "business day" if self.business_days else "day"

    def plural(self, count: int) -> str:
        return plural(count, self.unit)

    def is_working(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self.company_holidays:
            return False
        if self.country:
            if self.country not in self._country_days:
                import holidays  # loaded when a rule first counts a country's working days

                self._country_days[self.country] = holidays.country_holidays(self.country)
            return day not in self._country_days[self.country]
        return True

    def days_between(self, start: dt.date, end: dt.date) -> int:
        """Days from `start` to `end`: positive when `end` is later. Business days count the
        working days in (start, end]."""
        if not self.business_days:
            return (end - start).days
        sign, low, high = (1, start, end) if end >= start else (-1, end, start)
        count = self._through(high) - self._through(low)
        for year in range(low.year, high.year):
            count += self._year(year)[1][-1]
        return sign * count

    def add(self, start: dt.date, days: int) -> dt.date:
        """The date `days` days (or working days) after `start`. Backwards, (result, start]
        holds `days` working days, so that days_between(start, result) == days."""
        if not self.business_days or days == 0:
            return start + dt.timedelta(days=days)
        year = start.year
        if days > 0:  # the working day whose count from 1 January is `wanted`
            wanted = self._through(start) + days
            while wanted > self._year(year)[1][-1]:
                wanted -= self._year(year)[1][-1]
                year += 1
            return self._nth(year, wanted)
        wanted = self._through(start) + days + 1  # the |days|-th working day back, inclusive
        while wanted < 1:
            year -= 1
            wanted += self._year(year)[1][-1]
        return self._nth(year, wanted) - dt.timedelta(days=1)

    def _year(self, year: int) -> tuple[int, list[int]]:
        """(ordinal of 1 January, working days from 1 January up to each day of `year`)."""
        found = self._years.get(year)
        if found is None:
            first = dt.date(year, 1, 1).toordinal()
            last = dt.date(year, 12, 31).toordinal()
            counts, total = [], 0
            for ordinal in range(first, last + 1):
                total += self.is_working(dt.date.fromordinal(ordinal))
                counts.append(total)
            found = self._years[year] = (first, counts)
        return found

    def _through(self, day: dt.date) -> int:
        """Working days from 1 January of `day`'s year up to `day`, inclusive."""
        first, counts = self._year(day.year)
        return counts[day.toordinal() - first]

    def _nth(self, year: int, count: int) -> dt.date:
        """The `count`-th working day of `year`."""
        first, counts = self._year(year)
        return dt.date.fromordinal(first + bisect.bisect_left(counts, count))
