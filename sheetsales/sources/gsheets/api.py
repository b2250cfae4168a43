"""The connection to Google Sheets: signing in with a service-account key (google_source.py
finds it) and every API request, each retried on quota (429) and server (5xx) errors with
bounded, jittered exponential backoff, and every failure turned into one sentence.

Longer than 300 lines because every request goes through one retry loop with its deadlines
and error translation; the calls themselves are thin wrappers on it.

Secrets stay out of messages: errors are rebuilt from status codes and Google's own error
text (which never echoes credentials) and raised `from None`, so neither the key file's
contents, the access token nor the Authorization header can reach output, logs or exceptions.

`SHEETSALES_GOOGLE_API=http://127.0.0.1:PORT` sends all Google traffic (Sheets, Drive and the
token endpoint) to that address, the convention of Google's own emulators."""

import functools
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import gspread
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.oauth2.service_account import Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from requests.adapters import HTTPAdapter

from ...core.errors import SourceError
from .ids import GSheetSource, load_key, parse_source, resolve_credentials

API_VARIABLE = "SHEETSALES_GOOGLE_API"
GOOGLE_HOSTS = ("https://sheets.googleapis.com/", "https://www.googleapis.com/",
                "https://oauth2.googleapis.com/")
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets/"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


# ---- HTTP: routing and retries ----------------------------------------------------------------

class _RouteAdapter(HTTPAdapter):
    """Sends requests for Google's API hosts to another base URL (an emulator)."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = self.base_url + parts.path + ("?" + parts.query if parts.query else "")
        kwargs["proxies"] = {}  # proxies chosen for Google are wrong for the override
        return super().send(request, **kwargs)


def route_session(session, base_url: str):
    """Send a requests Session's traffic for Google's API hosts to `base_url` instead."""
    adapter = _RouteAdapter(base_url)
    for prefix in GOOGLE_HOSTS:
        session.mount(prefix, adapter)
    return session


@dataclass(frozen=True)
class RetryPolicy:
    """Truncated exponential backoff with jitter inside two deadlines. Each request gets
    `tries` tries, waiting a random 50-100% of min(cap, base * 2**n) seconds before retry
    n+1, or exactly as long as Google's Retry-After asks. Everything one request spends (its
    tries, each try's connect and read timeouts, the waits) fits in `request_deadline`
    seconds, and everything all requests of one connection (one run) spend fits in
    `run_deadline`: a try's timeouts are cut to the time left, and a wait that would end
    past a deadline stops the request instead. So Google can hold one run for at most
    `run_deadline` seconds (sign-in requests aside)."""

    tries: int = 6
    base: float = 1.0
    cap: float = 30.0
    request_deadline: float = 120.0
    run_deadline: float = 300.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2 ** attempt)
        return rng.uniform(ceiling / 2, ceiling)


class RetriesExhausted(Exception):
    """Every try of one request failed with a retryable error, or the time ran out.
    `asked` is the wait Google asked for (Retry-After) that did not fit in `left` seconds."""

    def __init__(self, faults: list, waited: float, asked: float | None = None,
                 left: float | None = None):
        super().__init__(f"{len(faults)} tries failed")
        self.faults, self.waited, self.asked, self.left = faults, waited, asked, left


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded retries (gspread's BackOffHTTPClient retries
    forever). `faults` lists what the last request's failed tries answered; `clock` and
    `sleep` are injected so tests run the deadlines on a fake clock."""

    def __init__(self, auth, session=None, *, policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(auth, session)
        self.policy, self.sleep, self.clock = policy, sleep, clock
        self.rng = rng or random.Random()
        self.timeout = (policy.connect_timeout, policy.read_timeout)
        self.faults: list = []
        self.started: float | None = None  # when this connection's first request began

    def request(self, method, endpoint, *args, **kwargs):
        self.faults, waited = [], 0.0
        now = self.clock()
        self.started = now if self.started is None else self.started
        deadline = min(now + self.policy.request_deadline,
                       self.started + self.policy.run_deadline)
        for attempt in range(self.policy.tries):
            left = deadline - self.clock()
            if left <= 0:
                raise RetriesExhausted(self.faults, waited, left=0.0)
            self.timeout = (min(self.policy.connect_timeout, left),
                            min(self.policy.read_timeout, left))
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except APIError as error:
                status = error.response.status_code
                if status not in RETRY_STATUSES:
                    raise
                self.faults.append(status)
                asked = _retry_after(error.response)
            except (requests.ConnectionError, requests.Timeout) as error:
                self.faults.append(type(error).__name__)
                asked = None
            if attempt + 1 < self.policy.tries:
                wait = self.policy.delay(attempt, self.rng) if asked is None else asked
                left = deadline - self.clock()
                if wait >= left:
                    raise RetriesExhausted(self.faults, waited, asked, max(0.0, left))
                waited += wait
                self.sleep(wait)
        raise RetriesExhausted(self.faults, waited)


def _retry_after(response) -> float | None:
    """The wait Google asks for, in seconds (only the delay-seconds form is used)."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


class _NoHttpLogs(logging.Filter):
    """google-auth logs request headers (the bearer token) when its DEBUG logging is on."""

    def filter(self, record):
        return not (hasattr(record, "httpRequest") or hasattr(record, "httpResponse"))


def _silence_auth_logs() -> None:
    for name in ("google.auth.transport.requests", "google.auth._helpers"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _NoHttpLogs) for f in log.filters):
            log.addFilter(_NoHttpLogs())


# ---- the API ---------------------------------------------------------------------------------

class GoogleApi:
    """One signed-in connection to the Sheets API, with the few calls sheetsales makes.
    Every call is one HTTP request (plus token requests and retries)."""

    def __init__(self, client: gspread.Client, client_email: str, project: str | None = None):
        self.client, self.client_email, self.project = client, client_email, project
        self.http: RetryingHTTPClient = client.http_client  # type: ignore[assignment]

    def close(self) -> None:
        """Close pooled connections; a later call opens new ones."""
        self.http.session.close()

    def metadata(self, key: str, fields: str) -> dict:
        return self._call(key, "read", self.http.spreadsheets_get, key, {"fields": fields})

    def values(self, key: str, ranges: list[str]) -> list[list[list]]:
        """Each range's rows (unformatted values, dates as serial numbers), in one request."""
        params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                  "majorDimension": "ROWS"}
        found = self._call(key, "read", self.http.values_batch_get, key, list(ranges), params)
        return [r.get("values", []) for r in found.get("valueRanges", [])]

    def grid(self, key: str, ranges: list[str], fields: str) -> dict:
        """spreadsheets.get of `ranges` with their grid data (entered and computed values)."""
        params = {"ranges": list(ranges), "includeGridData": "true", "fields": fields}
        return self._call(key, "read", self.http.spreadsheets_get, key, params)

    def search_metadata(self, key: str, metadata_key: str) -> list[dict]:
        body = {"dataFilters": [{"developerMetadataLookup": {"metadataKey": metadata_key}}]}
        url = SHEETS_API + quote(key, safe="") + "/developerMetadata:search"
        found = self._call(key, "read", lambda: self.http.request("post", url, json=body).json())
        return [m["developerMetadata"] for m in found.get("matchedDeveloperMetadata", [])]

    def batch_update(self, key: str, body: dict) -> dict:
        return self._call(key, "write", self.http.batch_update, key, body)

    def values_by_filter(self, key: str, body: dict) -> dict:
        """values:batchUpdateByDataFilter: write ranges found by their data filters."""
        url = SHEETS_API + quote(key, safe="") + "/values:batchUpdateByDataFilter"
        return self._call(key, "write", lambda: self.http.request("post", url, json=body).json())

    def _call(self, key: str, doing: str, function, *args):
        try:
            return function(*args)
        except RetriesExhausted as failed:
            raise SourceError(_exhausted(failed, doing, key)) from None
        except APIError as error:
            lost = [f for f in self.http.faults if f != 429]  # tries that may have landed
            if doing == "write" and lost and error.response.status_code == 400 and \
                    _already_done(error):
                raise SourceError(
                    f"a write to spreadsheet {key} failed ({lost[-1]}) and Google Sheets then "
                    "refused the same write again, so the first try most likely landed; run "
                    "again to check (a run on an up-to-date sheet writes nothing)") from None
            raise SourceError(self._refused(error, doing, key)) from None
        except RefreshError as error:
            raise SourceError(
                f"Google refused to sign in the service account {self.client_email} "
                f"({_auth_code(error)}): its key was deleted, disabled or revoked; create a new "
                "JSON key for it and point --credentials at the new file") from None
        except (GoogleAuthError, requests.RequestException) as error:
            raise SourceError(f"could not reach Google to {doing} spreadsheet {key} "
                              f"({type(error).__name__}); check the network connection and "
                              "run again") from None

    def _refused(self, error: APIError, doing: str, key: str) -> str:
        status = error.response.status_code
        message = str(error.error.get("message", "")).strip().rstrip(".")
        share = f"share the sheet with {self.client_email} as Editor (Share button in Sheets)"
        if status == 403 and ("has not been used" in message or "is disabled" in message):
            return (f"the Google Sheets API is not enabled for the key's project "
                    f"{self.project or ''}: enable it in the Google Cloud console (APIs & "
                    "Services > Library > Google Sheets API), wait a minute and run again")
        if status == 403:
            return (f"Google Sheets refused to let {self.client_email} {doing} spreadsheet "
                    f"{key} (403 permission denied); {share}, then run again")
        if status == 404:
            return (f"Google Sheets found no spreadsheet {key} (404); check the key or URL, "
                    f"and {share} (an unshared sheet can look missing)")
        if status == 401:
            return (f"Google Sheets did not accept the sign-in of {self.client_email} (401); "
                    "the key may have been disabled: create a new JSON key and run again")
        return (f"Google Sheets refused to {doing} spreadsheet {key} ({status}: "
                f"{message or 'no detail'}); check the sheet and run again")


def _already_done(error: APIError) -> bool:
    """Whether Google refused a retried write because its first try had landed (the
    Reminders sheet it adds exists already), rather than for a reason of its own."""
    message = str(error.error.get("message", ""))
    return "already exists" in message


def _exhausted(failed: RetriesExhausted, doing: str, key: str) -> str:
    last = failed.faults[-1] if failed.faults else "no answer"
    tries = f"{len(failed.faults)} tries over {failed.waited:.0f} s"
    if failed.asked is not None:
        return (f"Google Sheets asked sheetsales to wait {failed.asked:.0f} s before trying to "
                f"{doing} spreadsheet {key} again ({last}), longer than the {failed.left:.0f} s "
                "left of the time a run gives Google; nothing more was sent: run again later")
    if failed.left is not None:
        return (f"Google Sheets did not {doing} spreadsheet {key} within the time a run gives "
                f"it ({tries}, last: {last}); run again later")
    if last == 429:
        return (f"Google Sheets kept answering 429 (quota exceeded) to {doing} spreadsheet "
                f"{key} after {tries}; wait a minute and run again, or ask for a higher "
                "Sheets API quota for the key's project")
    if isinstance(last, int):
        return (f"Google Sheets kept failing ({last} server error) to {doing} spreadsheet "
                f"{key} after {tries}; Google may be having an outage, try again later")
    return (f"could not reach Google Sheets to {doing} spreadsheet {key} ({last}) after "
            f"{tries}; check the network connection and run again")


def _auth_code(error: RefreshError) -> str:
    """The OAuth error code (e.g. invalid_grant), never the response text."""
    for arg in error.args[1:]:
        if isinstance(arg, dict) and isinstance(arg.get("error"), str):
            code = arg["error"]
            return code if re.fullmatch(r"[a-z_]{1,40}", code) else "refused"
    text = str(error.args[0]) if error.args else ""
    match = re.match(r"([a-z_]{3,40}):", text)
    return match[1] if match else "refused"


def connect(credentials: str | Path | None = None, environ: Mapping[str, str] | None = None, *,
            sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
            policy: RetryPolicy = RetryPolicy(),
            clock: Callable[[], float] = time.monotonic) -> GoogleApi:
    """Sign in with the service-account key (see resolve_credentials) through gspread, with
    bounded retries; honours SHEETSALES_GOOGLE_API in `environ`. No request is made yet."""
    environ = {} if environ is None else environ
    info = load_key(resolve_credentials(credentials, environ))
    override = (environ.get(API_VARIABLE) or "").strip()
    if override and not re.match(r"^https?://[^/]+", override):
        raise SourceError(f"{API_VARIABLE}={override!r} is not a URL; set it to the emulator's "
                          "address such as http://127.0.0.1:8089, or unset it")
    if override:
        info = {**info, "token_uri": override.rstrip("/") + "/token"}
    try:
        auth = Credentials.from_service_account_info(info, scopes=gspread.auth.DEFAULT_SCOPES)
    except Exception:  # whatever google-auth raises about a bad key; its text may quote it
        raise SourceError("the service-account key could not be loaded (its private_key is not "
                          "a valid PEM key); download a new JSON key") from None
    _silence_auth_logs()
    http = functools.partial(RetryingHTTPClient, policy=policy, sleep=sleep, rng=rng,
                             clock=clock)
    client = gspread.Client(auth=auth, http_client=http)  # type: ignore[arg-type]
    if override:
        route_session(client.http_client.session, override)
    return GoogleApi(client, info["client_email"], info.get("project_id"))


__all__ = ["GSheetSource", "GoogleApi", "RetryPolicy", "connect", "load_key", "parse_source",
           "resolve_credentials", "route_session"]
