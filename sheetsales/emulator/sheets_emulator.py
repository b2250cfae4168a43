"""A local Google Sheets API v4 (and the bits of Drive v3 gspread needs), for tests and demos.

Longer than 300 lines because it holds one server's HTTP wrapper, its command line and the
in-process client the tests use.

Run it::

    python -m sheetsales.emulator --port 0
    # first stdout line: http://127.0.0.1:PORT ; serves until killed

or in-process::

    with Emulator() as emu:
        client = gspread_client(emu.url)          # real gspread + google-auth + requests
        sheet_id = emu.load({"title": "Pipeline", "sheets": [{"title": "Deals", "values": rows}]})
        ...
        client.http_client.session.close()

A gspread client reaches the emulator through ``route_session``: a requests transport adapter
that sends ``https://sheets.googleapis.com``, ``https://www.googleapis.com`` and
``https://oauth2.googleapis.com`` to the emulator's URL. The service-account key from
``make_service_account_key`` has ``token_uri = <url>/token``; the emulator issues bearer tokens
there and answers 401 to requests without a valid one.

Test hooks, in-process on ``Emulator`` (and ``HookClient`` for a separate process) or as HTTP:

=====================================  =================================================
``POST /__emulator/spreadsheets``      ``load(spec)``: create from JSON; returns its id
``GET /__emulator/spreadsheets/{id}``  ``dump(id, render)``: tabs and values
``POST /__emulator/errors``            ``queue_errors(status, count, method, path_contains, apply, retry_after)``
``POST /__emulator/mutations``         ``queue_mutation({...})``: a person's edit before a request (edits.py)
``GET|DELETE /__emulator/requests``    ``requests()`` / ``clear_requests()``
``POST /__emulator/revoke``            ``revoke_tokens(refuse_grants=False)``
``POST /__emulator/grants``            ``allow_grants()``
``POST /__emulator/reset``             ``reset()``
=====================================  =================================================
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

from .hooks import EmulatorState



class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sheetsales-sheets-emulator"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes; without this, Nagle + delayed ACK cost 40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target:  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        status, payload, extra = self.server.state.handle(self.command, target, self.headers, body)
        page = isinstance(payload, str)  # an HTML page, as Google's front end answers a 502
        data = b"" if payload is None else payload.encode() if page else (
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "text/html; charset=UTF-8" if page else "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    """Tracks open connections so stop() can end keep-alive handler threads promptly."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address, state: EmulatorState, verbose: bool = False):
        super().__init__(address, _Handler)
        self.state, self.verbose = state, verbose
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Emulator:
    """An emulator serving on a background thread; use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, require_auth: bool = True,
                 seed: int | None = 0, clock=time.time, verbose: bool = False):
        self.host, self.port = host, port
        self.state = EmulatorState(require_auth=require_auth, seed=seed, clock=clock)
        self.verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Emulator:
        self._server = _Server((self.host, self.port), self.state, self.verbose)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sheets-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # the hooks, in-process
    def load(self, spec: dict) -> str:
        return self.state.load(spec)

    def dump(self, spreadsheet_id: str, render: str = "FORMATTED_VALUE") -> dict:
        return self.state.dump(spreadsheet_id, render)

    def queue_errors(self, status: int = 429, count: int = 1, **match) -> None:
        self.state.queue_errors(status, count, **match)

    def queue_mutation(self, mutation: dict) -> None:
        self.state.queue_mutation(mutation)

    def requests(self) -> list[dict]:
        return self.state.requests()

    def clear_requests(self) -> None:
        self.state.clear_requests()

    def revoke_tokens(self, refuse_grants: bool = False) -> None:
        self.state.revoke_tokens(refuse_grants)

    def allow_grants(self) -> None:
        self.state.allow_grants()

    def reset(self) -> None:
        self.state.reset()


def start_emulator(**options) -> Emulator:
    """Start an emulator on a background thread; call ``.stop()`` when done."""
    return Emulator(**options).start()


class HookClient:
    """The test hooks of an emulator running elsewhere (e.g. started with ``python -m``)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, name: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.url}/__emulator/{name}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read().decode("utf-8", "replace")
            raise RuntimeError(f"emulator hook {name} failed: {error.code} {detail}") from None
        return json.loads(body) if body else None

    def load(self, spec: dict) -> str:
        return self._call("POST", "spreadsheets", spec)["spreadsheetId"]

    def dump(self, spreadsheet_id: str, render: str = "FORMATTED_VALUE") -> dict:
        return self._call("GET", f"spreadsheets/{quote(spreadsheet_id, safe='')}?render={render}")

    def queue_errors(self, status: int = 429, count: int = 1, **match) -> None:
        self._call("POST", "errors", {"status": status, "count": count, **match})

    def queue_mutation(self, mutation: dict) -> None:
        self._call("POST", "mutations", mutation)

    def requests(self) -> list[dict]:
        return self._call("GET", "requests")

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def revoke_tokens(self, refuse_grants: bool = False) -> None:
        self._call("POST", "revoke", {"refuse_grants": refuse_grants})

    def allow_grants(self) -> None:
        self._call("POST", "grants", {})

    def reset(self) -> None:
        self._call("POST", "reset", {})


# ---- pointing real clients at the emulator ---------------------------------------------------

def route_session(session, url: str):
    """Mount an adapter on a requests Session so Google API URLs go to the emulator at ``url``
    (the same routing sheetsales does for SHEETSALES_GOOGLE_API)."""
    from ..sources.gsheets.api import route_session as route

    return route(session, url)


@functools.lru_cache(maxsize=1)
def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def make_service_account_key(url: str) -> dict:
    """A throwaway service-account JSON key (as a dict) whose token_uri is the emulator's."""
    base = url.rstrip("/")
    email = "sheetsales-test@sheetsales-emulator.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": "sheetsales-emulator",
        "private_key_id": "0" * 40,
        "private_key": _private_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": f"{base}/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
        "universe_domain": "googleapis.com",
    }


def gspread_client(url: str, credentials_path=None, http_client=None):
    """A real ``gspread.Client`` talking to the emulator at ``url``.

    With ``credentials_path`` that key file is used (its token_uri is redirected to the emulator);
    without, a throwaway key is made. Close it with ``client.http_client.session.close()``.
    """
    import gspread
    from google.oauth2.service_account import Credentials

    if credentials_path is None:
        info = make_service_account_key(url)
    else:
        with open(credentials_path, encoding="utf-8") as handle:
            info = json.load(handle)
        info["token_uri"] = url.rstrip("/") + "/token"
    credentials = Credentials.from_service_account_info(info, scopes=gspread.auth.DEFAULT_SCOPES)
    client = gspread.Client(auth=credentials, http_client=http_client or gspread.HTTPClient)
    route_session(client.http_client.session, url)
    return client


# ---- command line ----------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheetsales.emulator.sheets_emulator",
                                     description="Serve a local Google Sheets API v4 emulator until killed.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without a bearer token")
    parser.add_argument("--load", metavar="FILE", action="append", default=[],
                        help="JSON spreadsheet spec to preload (repeatable); see the load hook")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    state = EmulatorState(require_auth=not args.no_auth)
    for path in args.load:
        with open(path, encoding="utf-8") as handle:
            state.load(json.load(handle))
    server = _Server((args.host, args.port), state, args.verbose)
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.drop_connections()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
