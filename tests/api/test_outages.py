"""A database outage is a 503 with Retry-After on every route, never a 500, and its log
names no customer data."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from api import create_app
from tests.support.mail import customer_mail
from tests.support.stack import free_port
from ticketflow.settings import Settings


async def test_routes_answer_503_with_retry_after_while_the_database_is_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
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
        # The console's pages (and the customer form) say it on a page, not in JSON.
        http.cookies.set("tf_session", "some-session")
        pages = [await http.get("/mine"), await http.get("/help", follow_redirects=True)]
    for resp in answers:
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "30"
        assert "unreachable" in resp.json()["detail"]
    for page in pages:
        assert page.status_code == 503, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "30"
        # In the page's language (Russian: no Accept-Language said otherwise).
        assert "недоступна" in page.text and "Content-Security-Policy" in page.headers
    assert marker not in caplog.text and "anna@example.org" not in caplog.text
    assert "read model unreachable (OperationalError)" in caplog.text


async def test_agent_routes_refuse_before_reading_a_body(tmp_path: Path) -> None:
    """No credentials: 401 at once, whatever the body; a body past the cap: 413."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db'}")
    temporal = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    app = create_app(settings, temporal=temporal)
    huge = b"x" * (2 * 1024 * 1024)
    url = "/api/v1/tickets/1/actions/note"

    async def chunks() -> AsyncIterator[bytes]:  # a chunked body: no Content-Length
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        anonymous = await http.post(url, content=huge)
        assert (anonymous.status_code, anonymous.json()["detail"]) == (401, "missing bearer token")
        assert anonymous.headers["www-authenticate"] == "Bearer"
        auth = {"Authorization": "Bearer whatever", "Content-Type": "application/json"}
        for body in (huge, chunks()):
            resp = await http.post(url, content=body, headers=auth)
            assert resp.status_code == 413, resp.text
            assert resp.json()["detail"] == "a body of at most 1048576 bytes"
