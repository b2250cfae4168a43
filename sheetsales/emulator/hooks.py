"""Everything an emulator request goes through besides the API itself: the OAuth token
endpoint, bearer-token checks, the request log and the test hooks under ``/__emulator/``.

Longer than 300 lines because each test hook is a few lines and they read best as one list.

``EmulatorState.handle`` is the whole server as a function; ``sheets_emulator.py`` only wraps
it in HTTP. Hook payloads are plain JSON so the same hooks work in-process and over HTTP.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
from urllib.parse import parse_qs, unquote

from . import edits
from .a1 import Ref
from .sheets_api import SheetsApi
from .workbook import ApiError, bad_request, bound

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                   "or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")
REQUEST_LIMIT = 10 * 1024 * 1024  # bytes of one request body Google accepts
# Google's front end answers a 502 with an HTML page, not JSON (burnash/gspread#216 quotes its
# sentence; the markup around it is ours). See ERRORS.md for where each text comes from.
BAD_GATEWAY_PAGE = ("<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 502 (Server Error)</title>"
                    "<p><b>502.</b> That's an error.<p>The server encountered a temporary error and could "
                    "not complete your request.<p>Please try again in 30 seconds. That's all we know.</html>\n")
CANNED_ERRORS = {
    500: ("Internal error encountered.", "INTERNAL"),
    503: ("The service is currently unavailable.", "UNAVAILABLE"),
    504: ("The service is currently unavailable.", "DEADLINE_EXCEEDED"),
}


class EmulatorState:
    """Spreadsheets, issued tokens, queued faults and the request log of one emulator."""

    def __init__(self, require_auth: bool = True, seed: int | None = 0, clock=time.time):
        self.api = SheetsApi(seed=seed, clock=clock)
        self.require_auth = require_auth
        self.clock = clock
        self.lock = threading.RLock()
        self.tokens: set[str] = set()
        self.refuse_grants = False
        self.errors: list[dict] = []
        self.mutations: list[dict] = []
        self.log: list[dict] = []

    # ---- the request pipeline ---------------------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes) -> tuple[int, object, dict]:
        """Answer one HTTP request: (status, JSON-able body or None, extra response headers)."""
        path, _, query_text = target.partition("?")
        query = parse_qs(query_text, keep_blank_values=True)
        with self.lock:
            if path.startswith("/__emulator/"):
                return self.hook(method, path, query, body)
            status, payload, extra = self._answer(method, path, query, headers, body)
            self.log.append({"method": method, "path": unquote(path),
                             "query": {k: v[0] if len(v) == 1 else v for k, v in query.items()},
                             "body": _loggable(path, body), "status": status})
            return status, payload, extra

    def _answer(self, method, path, query, headers, body):
        if path == "/token":
            return self.grant(method, body)
        if not path.startswith(("/v4/", "/drive/v3/")):
            return 404, ApiError(404, f"Not found: {path}").body(), {}
        if self.require_auth:
            auth = headers.get("Authorization", "")
            if not (auth.startswith("Bearer ") and auth[7:] in self.tokens):
                return 401, ApiError(401, UNAUTHENTICATED).body(), {
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
        if len(body or b"") > REQUEST_LIMIT:
            return 400, ApiError(400, f"Request payload size exceeds the limit: {REQUEST_LIMIT} bytes.",
                                 "INVALID_ARGUMENT").body(), {}
        target = self.api.write_target(method, path)
        self._run_mutations(method, path, target)
        fault = self._take_fault(method, path)
        if fault is not None and not fault.get("apply"):
            return (*_fault_reply(fault, method), _fault_headers(fault))
        status, payload = self.api.handle(method, path, query, body)
        if fault is not None:  # the request took effect, but the caller only sees the error
            return (*_fault_reply(fault, method), _fault_headers(fault))
        return status, payload, {}

    # ---- OAuth -------------------------------------------------------------------------------

    def grant(self, method: str, body: bytes):
        """The service-account JWT-bearer grant google-auth posts to the key's token_uri."""
        form = parse_qs(body.decode("utf-8", "replace"))
        grant_type = form.get("grant_type", [""])[0]
        if method != "POST" or grant_type != JWT_BEARER:
            return 400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant_type}"}, {}
        problem = _check_assertion(form.get("assertion", [""])[0], self.clock())
        if problem:
            return 400, {"error": "invalid_grant", "error_description": problem}, {}
        if self.refuse_grants:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, {}
        token = "ya29.emulator-" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}, {}

    # ---- hooks ---------------------------------------------------------------------------------

    def hook(self, method: str, path: str, query: dict, body: bytes):
        """The ``/__emulator/`` test hooks (see the module docstring of sheets_emulator)."""
        try:
            data = json.loads(body) if body else {}
            name = path[len("/__emulator/"):]
            if name == "requests" and method == "GET":
                return 200, self.requests(), {}
            if name == "requests" and method == "DELETE":
                self.clear_requests()
                return 200, {}, {}
            if name == "errors" and method == "POST":
                self.queue_errors(**data)
                return 200, {"queued": len(self.errors)}, {}
            if name == "errors" and method == "DELETE":
                self.errors.clear()
                return 200, {}, {}
            if name == "mutations" and method == "POST":
                self.queue_mutation(data)
                return 200, {"queued": len(self.mutations)}, {}
            if name == "revoke" and method == "POST":
                self.revoke_tokens(**data)
                return 200, {}, {}
            if name == "grants" and method == "POST":
                self.allow_grants()
                return 200, {}, {}
            if name == "reset" and method == "POST":
                self.reset()
                return 200, {}, {}
            if name == "spreadsheets" and method == "POST":
                return 200, {"spreadsheetId": self.load(data)}, {}
            if name.startswith("spreadsheets/") and method == "GET":
                render = (query.get("render") or ["FORMATTED_VALUE"])[0]
                return 200, self.dump(unquote(name.split("/", 1)[1]), render), {}
            return 404, ApiError(404, f"No emulator hook {method} {path}").body(), {}
        except (ApiError, TypeError, ValueError, KeyError) as error:
            if isinstance(error, ApiError):
                return error.code, error.body(), {}
            return 400, bad_request(f"Bad hook request: {error!r}").body(), {}

    def requests(self) -> list[dict]:
        """Every API and token request received so far, oldest first (hooks are not logged)."""
        with self.lock:
            return copy.deepcopy(self.log)

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    def queue_errors(self, status: int = 429, count: int = 1, method: str | None = None,
                     path_contains: str | None = None, apply: bool = False, message: str | None = None,
                     retry_after: int | None = None) -> None:
        """Answer the next ``count`` matching API requests with a Google-shaped ``status`` error.

        With ``apply=True`` the request still takes effect first (a write whose reply was lost);
        ``retry_after`` adds a Retry-After header (seconds).
        """
        if not 400 <= int(status) <= 599:
            raise ValueError(f"status must be an HTTP error code, not {status}")
        with self.lock:
            self.errors.append({"status": int(status), "count": int(count), "method": method,
                                "path_contains": path_contains, "apply": bool(apply), "message": message,
                                "retry_after": retry_after})

    def queue_mutation(self, mutation: dict) -> None:
        """Run a person's edit (see edits.py) just before a chosen API request: by default
        the next write to the spreadsheet (any, if no id)."""
        if mutation.get("action") not in edits.EDITS:
            raise ValueError(f"action must be one of {sorted(edits.EDITS)}")
        with self.lock:
            self.mutations.append(copy.deepcopy(mutation))

    def revoke_tokens(self, refuse_grants: bool = False) -> None:
        """Invalidate every issued token; with refuse_grants the token endpoint also says no."""
        with self.lock:
            self.tokens.clear()
            self.refuse_grants = bool(refuse_grants)

    def allow_grants(self) -> None:
        with self.lock:
            self.refuse_grants = False

    def reset(self) -> None:
        """Forget spreadsheets, queued faults and the log; issued tokens stay valid."""
        with self.lock:
            self.api.spreadsheets.clear()
            self.errors.clear()
            self.mutations.clear()
            self.log.clear()
            self.refuse_grants = False

    def load(self, spec: dict) -> str:
        """Create a spreadsheet from ``{"id"?, "title"?, "private"?, "sheets": [{"title",
        "values", "rowCount"?, "columnCount"?, "valueInputOption"?}]}``; returns its id."""
        with self.lock:
            if spec.get("id") in self.api.spreadsheets:
                raise ValueError(f"spreadsheet {spec['id']} already exists")
            ss = self.api.new_spreadsheet(spec.get("title", "Untitled spreadsheet"), spec.get("id"))
            for sheet_spec in spec.get("sheets") or [{}]:
                values = sheet_spec.get("values", [])
                width = max((len(r) for r in values), default=0)
                sheet = ss.add_sheet(sheet_spec.get("title"), sheet_spec.get("rowCount", max(1000, len(values))),
                                     sheet_spec.get("columnCount", max(26, width)))
                ss.write(sheet, 0, 0, values, sheet_spec.get("valueInputOption", "USER_ENTERED"), self.api.today())
            ss.private = bool(spec.get("private"))
            return ss.id

    def dump(self, spreadsheet_id: str, render: str = "FORMATTED_VALUE") -> dict:
        """A spreadsheet's tabs and values, for assertions (private ones included)."""
        with self.lock:
            ss = self.api.spreadsheets.get(spreadsheet_id)
            if ss is None:
                raise ApiError(404, f"No spreadsheet {spreadsheet_id}")
            return {"spreadsheetId": ss.id, "title": ss.title, "sheets": [
                {"title": s.title, "sheetId": s.id, "index": s.props["index"], "rowCount": s.rows,
                 "columnCount": s.columns, "values": ss.read(bound(s, Ref(0, 0, None, None)), render)}
                for s in ss.sheets]}

    # ---- internals --------------------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> dict | None:
        for fault in self.errors:
            if fault["method"] and fault["method"].upper() != method:
                continue
            if fault["path_contains"] and fault["path_contains"] not in unquote(path):
                continue
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.errors.remove(fault)
            return fault
        return None

    def _run_mutations(self, method: str, path: str, write_target: str | None) -> None:
        for mutation in list(self.mutations):
            if not edits.due(mutation, method, path, write_target):
                continue
            self.mutations.remove(mutation)
            ss = self.api.spreadsheets.get(mutation.get("spreadsheetId")
                                           or edits.spreadsheet_of(path) or "")
            if ss is not None:
                edits.apply(self.api, ss, mutation)


def _fault_headers(fault: dict) -> dict:
    return {} if fault.get("retry_after") is None else {"Retry-After": str(int(fault["retry_after"]))}


def _fault_reply(fault: dict, method: str) -> tuple[int, dict | str]:
    status = fault["status"]
    if status == 429:
        kind = "Read" if method == "GET" else "Write"
        message = fault["message"] or (
            f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' "
            "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.")
        details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {"quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
                                 "quota_limit": f"{kind}RequestsPerMinutePerUser", "quota_limit_value": "60",
                                 "service": "sheets.googleapis.com", "consumer": "projects/000000000000",
                                 "quota_location": "global"}}]
        return 429, ApiError(429, message, details=details).body()
    if status == 502 and not fault["message"]:
        return 502, BAD_GATEWAY_PAGE
    message, canonical = CANNED_ERRORS.get(status, (f"Emulated error {status}.", None))
    return status, ApiError(status, fault["message"] or message, canonical).body()


def _check_assertion(assertion: str, now: float) -> str | None:
    """Why a JWT assertion would be refused, or None. The signature is not verified."""
    try:
        header_b64, claims_b64, signature = assertion.split(".")
        header, claims = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (header_b64, claims_b64))
    except ValueError:
        return "Invalid JWT: the assertion is not a signed JWT."
    if header.get("alg") != "RS256" or not signature:
        return "Invalid JWT: only RS256-signed assertions are accepted."
    missing = [c for c in ("iss", "aud", "iat", "exp") if c not in claims]
    if missing or not (claims.get("scope") or claims.get("target_audience")):
        return f"Invalid JWT: missing claims {missing or ['scope']}."
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", str(claims["iss"])):
        return "Invalid JWT: iss must be the service account's email."
    if not (claims["iat"] - 300 <= now <= claims["exp"] + 300) or claims["exp"] - claims["iat"] > 3600:
        return ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.")
    return None


def _loggable(path: str, body: bytes):
    """The request body for the log: JSON parsed when possible; the OAuth assertion is redacted."""
    if not body:
        return None
    if path == "/token":
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if "assertion" in form:
            form["assertion"] = "<redacted>"
        return form
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
