"""One SMTP session that hands over digests one at a time, with an overall deadline.

Each message is handed over on its own: `before(digest)` runs just before (the history
notes the message as outgoing), `accepted(digest)` the moment the server answers 250 (the
history records it, in its own transaction, before the next message goes). Either callback
may raise Stop to end the session. Trouble after the last acceptance (a QUIT answered with
500, a dropped connection) never undoes an acceptance.

The deadline bounds the whole session, not each socket read: a server that drips one line
every few seconds would otherwise hold the job (and the source's lock) for ever. A watchdog
thread shuts the socket down when it passes, which ends any read or write in progress."""

import contextlib
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable

from ..core.errors import ConfigError

PASSWORD_ENV = "SHEETSALES_SMTP_PASSWORD"


class Stop(Exception):
    """Raised by a callback to end the session after the current message."""


class _Deadline:
    """Shuts the session's socket down when `seconds` have passed."""

    def __init__(self, seconds: float):
        self.seconds, self.expired, self.sockets = seconds, False, []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock) -> None:
        with self._lock:
            self.sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self.sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _session_class(use_ssl: bool):
    base = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP

    class Session(base):
        deadline: _Deadline

        def _get_socket(self, host, port, timeout):
            if not use_ssl:
                sock = super()._get_socket(host, port, timeout)
                self.deadline.watch(sock)
                return sock
            raw = socket.create_connection((host, port), timeout, self.source_address)
            self.deadline.watch(raw)  # the TLS handshake itself may drip
            try:
                wrapped = self.context.wrap_socket(raw, server_hostname=self._host)
            except BaseException:
                raw.close()
                raise
            self.deadline.watch(wrapped)
            return wrapped

        def starttls(self, *args, **kwargs):
            reply = super().starttls(*args, **kwargs)
            self.deadline.watch(self.sock)
            return reply
    return Session


def check_settings(settings: dict, environ=None) -> str | None:
    """The password from the environment when a user is set; a ConfigError when it is
    missing or would travel unencrypted."""
    environ = os.environ if environ is None else environ
    host, use_ssl, starttls, user = (settings.host, settings.ssl, settings.uses_starttls,
                                     settings.user)
    password = environ.get(PASSWORD_ENV) if user else None
    if user and not password:
        raise ConfigError(f"[reminders.smtp] user is set but {PASSWORD_ENV} is not; put the "
                          "SMTP password in that environment variable")
    if user and not (use_ssl or starttls) and host not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError(f"refusing to send the SMTP password unencrypted to {host}; set "
                          "starttls = true or ssl = true in [reminders.smtp]")
    return password


def where(settings: dict) -> str:
    return f"SMTP server {settings.host}:{settings.effective_port}"


def send_each(messages: list, settings: dict, password: str | None,
              context: ssl.SSLContext | None, before: Callable, accepted: Callable,
              refused: Callable) -> list[str]:
    """Hand each (digest, message) over in one session; returns one line per failure.
    `refused(digest, exc)` hears of a message the server answered with an error code."""
    failures: list[str] = []
    if not messages:
        return failures
    use_ssl, starttls, port = settings.ssl, settings.uses_starttls, settings.effective_port
    server = where(settings)
    context = context or ssl.create_default_context()
    deadline = _Deadline(settings.deadline)
    Session = _session_class(use_ssl)
    Session.deadline = deadline
    timeout = settings.timeout
    connection = Session(timeout=timeout, context=context) if use_ssl else \
        Session(timeout=timeout)
    connection._host = settings.host  # what TLS checks the certificate against
    left = [digest for digest, _ in messages]

    def trouble(exc) -> str:
        if deadline.expired:
            return (f"the session passed its deadline of {deadline.seconds} s ([reminders.smtp] "
                    "deadline); the server answers too slowly")
        text = f"{type(exc).__name__}: {exc}"
        return text.replace(password, "***") if password else text

    try:
        try:
            connection.connect(settings.host, port)
        except (OSError, smtplib.SMTPException) as exc:
            failures.append(f"cannot connect to {server} ({trouble(exc)}); no reminders were "
                            "sent, they will be tried on the next run")
            return failures
        try:
            if starttls:
                connection.starttls(context=context)
            if settings.user:
                connection.login(settings.user, password)
        except (OSError, smtplib.SMTPException) as exc:
            failures.append(f"{server} refused the session ({trouble(exc)}); check "
                            "[reminders.smtp] and the password; no reminders were sent")
            return failures
        for digest, message in messages:
            try:
                before(digest, message)
            except Stop:
                break
            try:
                connection.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused) as exc:
                left.remove(digest)
                failures.append(f"{server} did not take {digest.name}'s digest "
                                f"({trouble(exc)})")
                refused(digest, exc)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                failures.append(f"{server} dropped the session while taking {digest.name}'s "
                                f"digest ({trouble(exc)}); it may or may not have arrived, "
                                "and will be tried again with the same Message-ID")
                left.remove(digest)
                break
            left.remove(digest)
            try:
                accepted(digest, message)
            except Stop:
                break
        for digest in left:
            failures.append(f"{digest.name}'s digest was not sent (the session ended "
                            "before it); it will be tried on the next run")
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.quit()  # after acceptance, a refused QUIT changes nothing
        with contextlib.suppress(OSError):
            connection.close()
        deadline.cancel()
    return failures
