"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives, and can misbehave
on demand: pause at a given message or at QUIT (until the test resumes it, or after running
a hook), drop the connection, drip an endless reply, refuse an address, or answer QUIT
with an error."""

import asyncio
import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd import controller as aiosmtpd_controller


class Inbox:
    def __init__(self):
        self.messages = []
        self.attempts = 0  # DATA commands seen, accepted or not
        self.pause_at = None  # a message number (1-based, by attempt) or "quit"
        self.on_pause = None  # called while paused; the server resumes after it returns
        self.paused, self.resume = threading.Event(), threading.Event()
        self.drop_at = self.drip_at = None
        self.refuse: dict[str, str] = {}  # address -> reply at RCPT
        self.quit_reply = None
        self.closing = False

    async def _pause(self):
        self.paused.set()
        if self.on_pause:
            await asyncio.get_running_loop().run_in_executor(None, self.on_pause)
            return
        while not (self.resume.is_set() or self.closing):
            await asyncio.sleep(0.01)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        number = self.attempts
        if self.pause_at == number:
            await self._pause()
        if self.drop_at == number:
            server.transport.close()
            return "421 dropped"
        if self.drip_at == number:
            while not (server.transport.is_closing() or self.closing):
                await server.push("250-still thinking")
                await asyncio.sleep(0.05)
            return "451 gave up"
        if server.transport.is_closing():
            return "421 the client went away"  # never acknowledged: not delivered
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        if self.pause_at == "quit":
            await self._pause()
        return self.quit_reply or "221 Bye"

    def to(self):
        return sorted(rcpt for _, rcpts, _ in self.messages for rcpt in rcpts)

    def ids(self, address=None):
        """The Message-IDs received (for `address` only, when given)."""
        return [m["Message-ID"] for _, rcpts, m in self.messages
                if address is None or address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        inbox.closing = True
        controller.stop()
