"""The whole stack for API tests: dev server, worker, database, SMTP server on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.support import make_components, new_worker
from ticketflow.agents import create_agent
from ticketflow.wiring import Components


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    # Recipients refused for good, as a mail server does for a mailbox that does not exist.
    refused: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        for _ in range(int(timeout / 0.05)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@dataclass
class Stack:
    http: httpx.AsyncClient
    components: Components
    env: WorkflowEnvironment
    smtp: SmtpSink
    tokens: dict[str, str]

    def auth(self, agent: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[agent]}"}

    async def send_mail(self, raw: bytes) -> httpx.Response:
        return await self.http.post(
            "/api/v1/inbound/mail", content=raw, headers={"Content-Type": "message/rfc822"}
        )


AGENTS = {
    "alice": ["first-line"],
    "bob": ["passwords"],
    "carol": ["web", "solvers"],
    "sam": ["supervisors"],
}


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
) -> AsyncIterator[Stack]:
    sink, port = smtp
    components = make_components(tmp_path, database_url, smtp_url=f"smtp://127.0.0.1:{port}")
    tokens = {name: create_agent(components.sessions, name, g) for name, g in AGENTS.items()}
    app = create_app(components.settings, temporal=dev_env.client)
    async with (
        new_worker(dev_env.client, components),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield Stack(http, components, dev_env, sink, tokens)
    components.engine.dispose()
