"""The real stack for tests: settings on a migrated database, the API with a worker on a
Temporal server, an SMTP server on loopback."""

from __future__ import annotations

import asyncio
import random
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.support.clock import SERVER_CLOCK
from tests.support.mail import customer_mail
from tests.support.temporal import eventually, running_workers
from ticketflow.components import Components
from ticketflow.settings import Settings
from ticketflow.store.migrate import bring_up_to_date


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (`up`'s metrics: one port and those
    above it), below the ephemeral range, where no outgoing connection takes one of them
    between this look and the server's bind (above a kernel-given port one did)."""
    for _ in range(200):
        base = random.randrange(20000, 32000 - count)
        if all(_bindable(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# Components made for a test, closed after it (tests/conftest.py): each may have started
# reader processes and holds database connections.
OPENED: list[Components] = []


EXAMPLE_DESK = Settings.model_fields["desk_config"].default


def example_desk(folder: Path, undo_seconds: int) -> Path:
    """The example desk with its undo window set: tests that are not about undo use 0,
    so that an agent's mail goes out at once instead of 10 s later."""
    text = EXAMPLE_DESK.read_text()
    assert "    undo_seconds: 10\n" in text
    path = folder / f"desk-undo-{undo_seconds}.yaml"
    help_articles = folder / "help"  # beside the desk file, as the example's are
    if not help_articles.exists():
        help_articles.symlink_to(EXAMPLE_DESK.parent / "help")
    path.write_text(text.replace("    undo_seconds: 10\n", f"    undo_seconds: {undo_seconds}\n"))
    return path


def make_components(tmp_path: Path, database_url: str, **overrides: object) -> Components:
    """Components on a migrated database; the example desk without its undo window unless
    `desk_config` says otherwise."""
    if "desk_config" not in overrides:
        overrides["desk_config"] = example_desk(tmp_path, undo_seconds=0)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        task_queue=f"tq-{uuid.uuid4()}",
        # Tests share one Temporal server: distinct system ids keep workflow ids apart.
        system_id=str(uuid.uuid4().int % 900000 + 100000),
        **overrides,  # type: ignore[arg-type]
    )
    components = Components(settings, clock=SERVER_CLOCK)
    OPENED.append(components)
    bring_up_to_date(components.engine, components.projects)
    return components


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    # Each message's envelope recipients (RCPT TO), in the same order: where a Bcc shows.
    envelopes: list[list[str]] = field(default_factory=list)
    # Recipients refused for good, as a mail server does for a mailbox that does not exist.
    refused: set[str] = field(default_factory=set)
    # Failures to inject into the next messages' DATA: "slow" keeps the message and answers
    # only after `slow_seconds` (the client times out after the server took it); "busy"
    # answers 451 and keeps nothing.
    faults: list[str] = field(default_factory=list)
    slow_seconds: float = 3.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = self.faults.pop(0) if self.faults else None
        if fault == "busy":
            return "451 4.3.2 try again later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append(list(envelope.rcpt_tos))
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        for _ in range(int(timeout / 0.05)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")


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
        resp = await self.send_mail(customer_mail(**mail))
        assert resp.status_code == 202, resp.text
        number: str = resp.json()["ticket"]

        async def state() -> str:
            resp = await self.http.get(f"/api/v1/tickets/{number}", headers=self.auth("sam"))
            return str(resp.json()["state"])

        await eventually(state, lambda s: s == "first-line")
        return number

    async def act(
        self, number: str, action: str, agent: str = "alice", **body: object
    ) -> httpx.Response:
        """An agent's action over the API, as the agent's client posts it."""
        return await self.http.post(
            f"/api/v1/tickets/{number}/actions/{action}", json=body, headers=self.auth(agent)
        )

    @property
    def inbound(self) -> dict[str, str]:
        """Headers of an authenticated inbound post of a raw message."""
        return {
            "Content-Type": "message/rfc822",
            "X-Webhook-Secret": self.components.webhook_secret,
        }


AGENTS = {
    "alice": ["mail/first-line"],
    "bob": ["passwords"],
    "carol": ["web", "solvers"],
    "sam": ["mail/supervisors"],
    "abe": ["abuse"],
    "dana": ["mail/admins"],
}


@asynccontextmanager
async def open_stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
    smtp_query: str = "",
    workers: bool = True,
    **overrides: object,
) -> AsyncIterator[Stack]:
    """API, worker and database on the dev server, mailing through `smtp`; `overrides`
    are settings. Without `workers`, the test runs them (running_workers) when it will."""
    sink, port = smtp
    smtp_url = f"smtp://127.0.0.1:{port}{smtp_query}"
    components = make_components(tmp_path, database_url, smtp_url=smtp_url, **overrides)
    tokens = {name: components.agent_admin("test").add(name, g) for name, g in AGENTS.items()}
    app = create_app(components.settings, temporal=dev_env.client)
    async with (
        running_workers(dev_env.client, components) if workers else nullcontext(),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield Stack(http, components, dev_env, sink, tokens)
    components.close()
