"""Retries against the emulator on a fake clock: one deadline per request and one per run,
Retry-After honoured (never retried sooner, never waited past a deadline), and advice that is
true after a failed try. No test sleeps: the clock moves only when sheetsales waits."""

import datetime as dt

import pytest
import requests
from requests.adapters import HTTPAdapter

from sheetsales.core.config import Config
from sheetsales.core.errors import SourceError
from sheetsales.operations.run import run_target
from sheetsales.sources.gsheets.api import RetryPolicy, connect
from sheetsales.sources.gsheets.write import GSheetTarget

TODAY = dt.date(2026, 11, 27)
ROWS = [["Deal ID", "Company", "Owner", "Stage", "Delivery due"],
        ["D-1", "Acme", "Ana", "Won", "2026-11-24"]]


class FakeClock:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def env(google):
    return google


def open_target(emu, env, clock, **kwargs):
    sid = emu.load({"title": "P", "sheets": [{"title": "Deals", "values": ROWS}]})
    return sid, GSheetTarget.open(f"gsheet:{sid}", environ=env, sleep=clock.sleep, clock=clock,
                                  **kwargs)


def test_retry_after_is_waited_in_full_never_sooner(emu, env):
    clock = FakeClock()
    emu.queue_errors(429, count=1, method="GET", retry_after=60)
    sid, target = open_target(emu, env, clock)
    assert clock.sleeps == [60.0]  # not capped to 30 s and retried before Google asked
    target.close()


def test_a_wait_longer_than_the_deadline_stops_and_says_so(emu, env):
    clock = FakeClock()
    emu.queue_errors(429, count=1, method="GET", retry_after=600)
    with pytest.raises(SourceError) as caught:
        open_target(emu, env, clock)
    assert clock.sleeps == []
    assert str(caught.value).startswith("Google Sheets asked sheetsales to wait 600 s before "
                                        "trying to read spreadsheet")
    assert "longer than the 120 s left" in str(caught.value)


def test_one_request_never_spends_more_than_its_deadline(emu, env):
    clock = FakeClock()
    emu.queue_errors(503, count=100, retry_after=50)
    with pytest.raises(SourceError, match="longer than the 20 s left"):
        open_target(emu, env, clock)
    assert clock.sleeps == [50.0, 50.0]  # the third wait would end past 120 s


def test_a_stalled_server_is_cut_off_at_the_deadline(emu, env):
    """Each try's timeouts are cut to the time left: a server that never answers holds one
    request for its deadline, not tries x read timeout (once 6 x 120 s)."""
    clock = FakeClock()
    timeouts = []

    class Stalled(HTTPAdapter):
        def send(self, request, timeout=None, **kwargs):
            timeouts.append(timeout)
            clock.now += timeout[1]  # waits its full read timeout, then gives up
            raise requests.ReadTimeout("stalled")

    policy = RetryPolicy(request_deadline=100.0, run_deadline=300.0)
    sid = emu.load({"title": "P", "sheets": [{"title": "Deals", "values": ROWS}]})
    api = connect(None, env, sleep=clock.sleep, clock=clock, policy=policy)
    api.http.session.mount("https://sheets.googleapis.com/", Stalled())
    start = clock()
    with pytest.raises(SourceError, match="within the time a run gives it"):
        api.metadata(sid, "properties")
    assert clock() - start <= 100.0
    assert timeouts[0] == (10.0, 60.0) and timeouts[-1][1] < 60.0


def test_the_run_deadline_bounds_every_request_together(emu, env):
    clock = FakeClock()
    policy = RetryPolicy(request_deadline=120.0, run_deadline=150.0)
    emu.queue_errors(503, count=2, method="GET", retry_after=50)  # the metadata read: 100 s
    emu.queue_errors(503, count=100, method="POST", retry_after=40)
    with pytest.raises(SourceError, match="longer than the 10 s left"):
        open_target(emu, env, clock, policy=policy)
    assert clock.sleeps == [50.0, 50.0, 40.0]


def test_503_then_a_refusal_gives_googles_reason_not_it_most_likely_landed(emu, env):
    clock = FakeClock()
    sid, target = open_target(emu, env, clock)
    emu.queue_errors(503, count=1, method="POST", path_contains="batchUpdate")
    emu.queue_errors(400, count=1, method="POST", path_contains="batchUpdate",
                     message="You are trying to edit a protected cell or object. Please contact "
                             "the spreadsheet owner to remove protection if you need to edit.")
    with pytest.raises(SourceError) as caught:
        run_target(target, Config(), TODAY)
    assert "most likely landed" not in str(caught.value)
    assert "protected cell" in str(caught.value)
    assert [s["title"] for s in emu.dump(sid)["sheets"]] == ["Deals"]  # nothing was written
