"""Mail stored while Temporal is unreachable is answered 503, kept, and handed over later."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.support.mail import customer_mail
from tests.support.stack import free_port, make_components
from tests.support.temporal import eventually, new_worker
from ticketflow.engine.redelivery import redeliver_stranded, start_routed
from ticketflow.store.models import RawMessage, Ticket


async def test_mail_taken_while_temporal_is_down_reaches_its_ticket_later(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    dead = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    app = create_app(components.settings, temporal=dead)
    raw = customer_mail(message_id="<while-down@example.org>")
    token = components.agent_admin("test").add("alice", ["mail/first-line"])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        headers = {
            "Content-Type": "message/rfc822",
            "X-Webhook-Secret": components.webhook_secret,
        }
        resp = await http.post("/api/v1/inbound/mail", content=raw, headers=headers)
        assert resp.status_code == 503
        assert "message stored" in resp.json()["detail"]
        assert resp.headers["retry-after"] == "30"  # providers and MTAs deliver again
        with components.sessions() as session:
            number = session.scalars(select(Ticket.number)).one()
        resp = await http.post(
            f"/api/v1/tickets/{number}/actions/take",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (resp.status_code, resp.json()["detail"]) == (
            503,
            "the ticket engine is unreachable; try again",
        )
        health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["temporal"].startswith("error")
    with components.sessions() as session:
        assert session.scalars(select(RawMessage.raw)).one() == raw

    client = dev_env.client
    async with new_worker(client, components):
        # A new ticket: intake took its first step; the sweep starts its run.
        assert await redeliver_stranded(components, client, min_age=timedelta(0)) == 0
        assert await start_routed(components, client, min_age=timedelta(0)) == 1

        async def ticket() -> Ticket:
            with components.sessions() as session:
                return session.scalars(select(Ticket)).one()

        row = await eventually(ticket, lambda t: t.state == "first-line")
        assert row.queue == "Inbox"
        assert await redeliver_stranded(components, client, min_age=timedelta(0)) == 0
