"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives.

with running_mail_server() as mail:
    settings = settings.model_copy(update=mail.settings())
    ...
    message = mail.wait_for("ada@example.com")
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.loopback import HOST, asyncio_serving


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self, host: str, port: int, collector: _Collector) -> None:
        self.host = host
        self.port = port
        self._collector = collector

    def settings(self) -> dict[str, Any]:
        """Settings that make the application deliver to this server (plain SMTP)."""
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_starttls": False,
            "smtp_ssl": False,
            "mail_from": "CustomerCareGPT <no-reply@example.com>",
        }

    def messages_to(self, address: str) -> list[Received]:
        with self._collector.lock:
            return [m for m in self._collector.messages if address in m.recipients]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 5.0) -> Received:
        """The ``count``-th message to ``address``, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.messages_to(address)
            if len(received) >= count:
                return received[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail #{count} for {address} within {timeout}s")
            time.sleep(0.02)


@contextmanager
def running_mail_server(host: str = HOST) -> Iterator[MailServer]:
    collector = _Collector()

    def start(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractServer:
        # A fixed server name: the default (the machine's FQDN) may need a DNS lookup.
        protocol = partial(SMTP, collector, hostname="mail.test", loop=loop)
        return loop.run_until_complete(loop.create_server(protocol, host=host, port=0))

    with asyncio_serving(start, name="mail-server") as server:
        port: int = server.sockets[0].getsockname()[1]
        yield MailServer(host, port, collector)
