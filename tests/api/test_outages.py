"""A database outage is a 503 with Retry-After on every route, never a 500, and its log
names no customer data."""

from __future__ import annotations

import logging

import httpx
import pytest
from temporalio.client import Client

from api import create_app
from tests.support.mail import customer_mail
from tests.support.stack import free_port
from ticketflow.settings import Settings


async def test_routes_answer_503_with_retry_after_while_the_database_is_down(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    dead_db = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/gone"
    settings = Settings(data_dir=tmp_path, database_url=dead_db, webhook_secret="s3cret")
    temporal = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    app = create_app(settings, temporal=temporal)
    marker = "Unmistakable-Marker-Subject-4711"
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        caplog.set_level(logging.INFO)
        answers = [
            await http.get("/api/v1/me", headers={"Authorization": "Bearer some-token"}),
            await http.get("/api/v1/tickets", headers={"Authorization": "Bearer some-token"}),
            await http.post(
                "/api/v1/inbound/mail",
                content=customer_mail(subject=marker),
                headers={"Content-Type": "message/rfc822", "X-Webhook-Secret": "s3cret"},
            ),
        ]
    for resp in answers:
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "30"
        assert "unreachable" in resp.json()["detail"]
    assert marker not in caplog.text and "anna@example.org" not in caplog.text
    assert "read model unreachable (OperationalError)" in caplog.text
