"""The whole stack for API tests: dev server, worker, database, SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.support import SmtpSink, customer_mail, eventually, make_components, new_worker
from ticketflow.components import Components


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
        return await self.http.post("/api/v1/inbound/mail", content=raw, headers=self.inbound)

    async def open_ticket(self, **mail: str) -> str:
        """A customer's new ticket (customer_mail with `mail`), once it is in the first line."""
        number: str = (await self.send_mail(customer_mail(**mail))).json()["ticket"]

        async def state() -> str:
            resp = await self.http.get(f"/api/v1/tickets/{number}", headers=self.auth("sam"))
            return str(resp.json()["state"])

        await eventually(state, lambda s: s == "first-line")
        return number

    @property
    def inbound(self) -> dict[str, str]:
        """Headers of an authenticated inbound post of a raw message."""
        return {
            "Content-Type": "message/rfc822",
            "X-Webhook-Secret": self.components.webhook_secret,
        }


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
    async with open_stack(dev_env, database_url, tmp_path, smtp) as opened:
        yield opened


@asynccontextmanager
async def open_stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
    smtp_query: str = "",
) -> AsyncIterator[Stack]:
    """API, worker and database on the dev server, mailing through `smtp`."""
    sink, port = smtp
    smtp_url = f"smtp://127.0.0.1:{port}{smtp_query}"
    components = make_components(tmp_path, database_url, smtp_url=smtp_url)
    tokens = {name: components.agent_admin("test").add(name, g) for name, g in AGENTS.items()}
    app = create_app(components.settings, temporal=dev_env.client)
    async with (
        new_worker(dev_env.client, components),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield Stack(http, components, dev_env, sink, tokens)
    components.engine.dispose()
