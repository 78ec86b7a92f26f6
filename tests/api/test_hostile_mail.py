"""Mail and webhooks any sender can write: every message we store is answered 2xx and
accounted for (an article, or kept for review with the reason), never a 5xx."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from tests.support import bombs
from tests.support.mail import customer_mail
from tests.support.stack import SmtpSink, Stack, open_stack
from tests.support.temporal import eventually
from ticketflow.engine.inbound import KEPT_UNREAD, read_unread
from ticketflow.store.models import Article, RawMessage, Ticket

ADMIN = "dana"


@pytest.fixture
async def strict_stack(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> AsyncIterator[Stack]:
    """A desk with small limits: three new tickets per sender, a short reading clock."""
    async with open_stack(
        dev_env,
        database_url,
        tmp_path,
        smtp,
        new_tickets_per_sender=3,
        mail_read_seconds=0.3,
        # Room for a message that takes many times the clock to read, on any machine.
        mail_max_parts=30000,
    ) as opened:
        yield opened


def kept(stack: Stack) -> dict[int, RawMessage]:
    with stack.components.sessions() as session:
        return {r.id: r for r in session.scalars(select(RawMessage))}


HOSTILE = {
    "nested 1000 deep": bombs.nested(1000),
    "20,000 parts": bombs.many_parts(20_000),
    "utf-7": bombs.charset("utf-7"),
    "unicode_escape": bombs.charset("unicode_escape"),
    "undefined": bombs.charset("undefined"),
    "rot13": bombs.charset("rot13"),
    "CR/LF in the display name": bombs.display_name_with_crlf("anna@example.org"),
    "NUL bytes": bombs.nul_bytes(),
    "a 2 MB header": bombs.huge_header(2_000_000),
}


async def test_hostile_mail_is_stored_and_accounted_for(stack: Stack) -> None:
    answers = {}
    for name, raw in HOSTILE.items():
        resp = await stack.send_mail(raw)
        assert resp.status_code == 202, (name, resp.text)
        answers[name] = resp.json()
    rows = kept(stack)
    # Every message is stored byte-exact, and is either an article or kept with a reason.
    assert sorted(r.raw for r in rows.values()) == sorted(HOSTILE.values())
    for name, answer in answers.items():
        assert answer["ticket"] or answer["set_aside"], name
        row = rows[answer["raw_id"]]
        assert row.state == ("read" if answer["ticket"] else "quarantined"), name
    for name in ("nested 1000 deep", "20,000 parts", "a 2 MB header"):
        assert answers[name]["set_aside"], name
    assert "nested more than 40 deep" in answers["nested 1000 deep"]["set_aside"]
    assert "more than 1000 MIME parts" in answers["20,000 parts"]["set_aside"]
    for name in ("utf-7", "unicode_escape", "undefined", "rot13", "NUL bytes"):
        assert answers[name]["ticket"], name
    with stack.components.sessions() as session:
        customers = set(session.scalars(select(Ticket.customer)))
        subjects = set(session.scalars(select(Article.subject)))
    # The quoted local part is the attacker's own address, not the customer's.
    assert "anna@example.org" not in customers
    assert '"x y: anna@example.org"@attacker.example' in customers
    assert "nul here" in subjects


async def test_quarantine_over_the_api(stack: Stack) -> None:
    bomb = (await stack.send_mail(bombs.nested(100))).json()
    raw_id = bomb["raw_id"]
    admin = stack.auth(ADMIN)
    listing = await stack.http.get("/api/v1/admin/quarantine", headers=admin)
    assert [(e["raw_id"], e["state"], e["source"]) for e in listing.json()] == [
        (raw_id, "quarantined", "mail")
    ]
    shown = await stack.http.get(f"/api/v1/admin/quarantine/{raw_id}", headers=admin)
    assert shown.json()["problem"] == "MIME parts nested more than 40 deep"
    raw = await stack.http.get(f"/api/v1/admin/quarantine/{raw_id}/raw", headers=admin)
    assert raw.content == bombs.nested(100)
    # Read again with the same limits, it is set aside again; then dropped.
    again = await stack.http.post(f"/api/v1/admin/quarantine/{raw_id}/retry", headers=admin)
    assert again.status_code == 200 and again.json()["set_aside"]
    dropped = await stack.http.post(f"/api/v1/admin/quarantine/{raw_id}/drop", headers=admin)
    assert dropped.status_code == 204
    assert (await stack.http.get("/api/v1/admin/quarantine", headers=admin)).json() == []
    assert kept(stack)[raw_id].raw == bombs.nested(100)  # dropped: no ticket, bytes kept
    # Agents outside the admins' group may not; unknown and impossible ids are refused.
    refused = await stack.http.get("/api/v1/admin/quarantine", headers=stack.auth("sam"))
    assert refused.status_code == 403
    unknown = await stack.http.get("/api/v1/admin/quarantine/999999", headers=admin)
    assert unknown.status_code == 404
    huge = await stack.http.get(f"/api/v1/admin/quarantine/{2**63}", headers=admin)
    assert huge.status_code == 422


async def test_reading_past_its_clock_is_quarantined(strict_stack: Stack) -> None:
    # 20,000 parts: within the part limit, and seconds of reading on a fast machine: far
    # longer than the 0.3 s the desk allows a message.
    resp = await strict_stack.send_mail(bombs.many_parts(20000))
    assert resp.status_code == 202
    assert "longer than 0.3 s" in resp.json()["set_aside"]
    # The reader was stopped and is made anew: the next message is read as usual.
    assert (await strict_stack.send_mail(customer_mail())).json()["created"] is True


async def test_new_tickets_per_sender_are_limited(strict_stack: Stack) -> None:
    stack = strict_stack
    answers = [
        (await stack.send_mail(customer_mail(sender=f"anna+{i}@Example.org", subject=f"#{i}")))
        for i in range(4)
    ]
    created = [a.json()["created"] for a in answers]
    assert created == [True, True, True, False]
    held = answers[3].json()
    assert "over the limit of 3 new tickets" in held["set_aside"]
    # Another sender is not affected; an administrator lets the held one through.
    assert (await stack.send_mail(customer_mail(sender="bob@example.org"))).json()["created"]
    retried = await stack.http.post(
        f"/api/v1/admin/quarantine/{held['raw_id']}/retry", headers=stack.auth(ADMIN)
    )
    assert retried.json()["created"] is True


async def test_a_reused_message_id_is_its_own_article_with_a_warning(stack: Stack) -> None:
    first = (await stack.send_mail(customer_mail(message_id="<same@example.org>"))).json()
    other = customer_mail(
        message_id="<same@example.org>",
        subject=f"Re: [Ticket#{first['ticket']}] other",
        body="Different text under the same Message-ID.",
    )
    second = (await stack.send_mail(other)).json()
    assert second["duplicate"] is False and second["ticket"] == first["ticket"]

    async def history() -> list[dict[str, Any]]:
        resp = await stack.http.get(f"/api/v1/tickets/{first['ticket']}", headers=stack.auth("sam"))
        return list(resp.json()["history"])

    events = await eventually(history, lambda h: any(e["action"] == "message-warning" for e in h))
    assert [e["action"] for e in events].count("customer-message") == 2


async def test_a_copy_by_another_path_is_a_duplicate(stack: Stack) -> None:
    original = customer_mail(message_id="<path@example.org>")
    first = (await stack.send_mail(original)).json()
    copy = (await stack.send_mail(b"Received: from mx2.example.org\r\n" + original)).json()
    assert (copy["duplicate"], copy["ticket"]) == (True, first["ticket"])
    assert {r.state for r in kept(stack).values()} == {"read", "duplicate"}


async def test_wrongly_typed_provider_payloads_are_refused_with_a_reason(stack: Stack) -> None:
    secret = {"X-Webhook-Secret": stack.components.webhook_secret}
    for payload in (
        {"From": "a@example.org", "Headers": 5},
        {"From": "a@example.org", "Attachments": ["x"]},
        {"From": {"a": 1}, "TextBody": "x"},
        {"From": "a@example.org", "Attachments": [{"Content": 7}]},
        {"From": "a@example.org", "TextBody": "\ud800"},
        [1, 2],
    ):
        resp = await stack.http.post(
            "/api/v1/inbound/postmark", content=json.dumps(payload), headers=secret
        )
        assert resp.status_code == 403, (payload, resp.text)
        assert resp.json()["detail"]
    nested = "[" * 100_000 + "]" * 100_000
    resp = await stack.http.post("/api/v1/inbound/postmark", content=nested, headers=secret)
    assert resp.status_code == 403 and resp.json()["detail"] == "the body is not JSON"
    form = {"from": "a@example.org", "subject": "s", "text": "t", "charsets": '{"text": 5}'}
    resp = await stack.http.post("/api/v1/inbound/sendgrid", data=form, headers=secret)
    assert resp.status_code == 202, resp.text
    form["charsets"] = "[" * 100_000
    resp = await stack.http.post("/api/v1/inbound/sendgrid", data=form, headers=secret)
    assert resp.status_code == 400, resp.text
    many = {f"f{i}": "x" for i in range(600)}
    resp = await stack.http.post("/api/v1/inbound/sendgrid", files=many, headers=secret)
    assert resp.status_code == 400 and "form fields" in resp.json()["detail"]


async def test_out_of_range_ids_and_cursors_are_client_errors(stack: Stack) -> None:
    sam = stack.auth("sam")
    for path in (
        f"/api/v1/attachments/{2**40}",
        f"/api/v1/attachments/{2**70}",
        "/api/v1/attachments/-1",
    ):
        assert (await stack.http.get(path, headers=sam)).status_code == 422, path
    for stamp, row_id in (("2026-01-01T00:00:00+00:00", 2**40), ("2026-01-01T00:00:00", 1)):
        cursor = base64.urlsafe_b64encode(f"{stamp}|{row_id}".encode()).decode()
        resp = await stack.http.get(f"/api/v1/tickets?cursor={cursor}", headers=sam)
        assert resp.status_code == 400, resp.text


async def test_health_answers_while_bombs_are_read(stack: Stack) -> None:
    """Reading runs in reader processes: the API answers while they work."""
    bomb_posts = [
        asyncio.create_task(stack.send_mail(bombs.many_parts(990, tag=f"b{i}"))) for i in range(4)
    ]
    await asyncio.sleep(0.05)  # the bombs are being read
    health = await stack.http.get("/healthz")
    assert health.status_code == 200
    assert not all(post.done() for post in bomb_posts)
    answers = await asyncio.gather(*bomb_posts)
    assert all(a.status_code == 202 for a in answers)


async def test_logs_carry_no_mail_text_or_addresses(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """A marker in the sender, subject and body of mail that takes every path (a ticket,
    an automatic reply, an answer, a duplicate, quarantine, refusals) is in no log line."""
    caplog.set_level(logging.DEBUG)
    marker = "zq" + uuid.uuid4().hex[:12]
    sender = f"{marker}@example.org"
    mail = customer_mail(sender=sender, subject=f"About {marker}", body=f"Text {marker}")
    number = (await stack.send_mail(mail)).json()["ticket"]
    await stack.send_mail(mail)  # a duplicate
    await stack.send_mail(bombs.nested(100).replace(b"Mallory", marker.encode()))
    await stack.send_mail(f"{marker}\r\n\r\n".encode())  # refused: not mail
    secret = {"X-Webhook-Secret": stack.components.webhook_secret}
    await stack.http.post(
        "/api/v1/inbound/postmark", json={"From": sender, "Headers": marker}, headers=secret
    )
    await stack.smtp.wait_for(1)  # the automatic reply went out
    resp = await stack.act(number, "answer", agent="alice", text=f"Answer for {marker}")
    assert resp.status_code == 200, resp.text
    await stack.smtp.wait_for(2)
    # mail.log: the test's SMTP sink (aiosmtpd) telling its own envelopes.
    ours = [r for r in caplog.records if r.name != "mail.log"]
    assert ours, "nothing was logged: the test would prove nothing"
    leaks = [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in ours]
    assert [line for line in leaks if marker in line] == []


async def test_a_flood_of_heavy_mail_is_kept_unread_then_read(stack: Stack) -> None:
    """Past what the heavy-mail reader has in hand, bombs are kept on disk unread (not in
    memory), and the worker's sweep reads them later; ordinary mail goes on meanwhile."""
    flood = [bombs.many_parts(900, tag=f"flood{i}") for i in range(8)]
    posts = [asyncio.create_task(stack.send_mail(raw)) for raw in flood]
    ordinary = await stack.send_mail(customer_mail())
    answers = [(await post).json() for post in posts]
    assert ordinary.json()["created"] is True
    deferred = [a for a in answers if a["set_aside"] == KEPT_UNREAD]
    assert deferred, answers
    assert {r.state for r in kept(stack).values() if r.id in {a["raw_id"] for a in deferred}} == {
        "received"
    }
    read = await read_unread(stack.components, stack.env.client, min_age=timedelta(0))
    assert read == len(deferred)
    assert "received" not in {r.state for r in kept(stack).values()}


async def test_html_bombs_stall_no_one_and_get_no_5xx(stack: Stack) -> None:
    """Sixteen 440 KB messages of 88,000 nested <div> (ten seconds each for the sanitiser:
    the pool stalled, and five posts, one innocent, got a 500) and a customer's mail among
    them: every post answered 202; the bombs are tickets that show their text, not their
    HTML, and say why."""
    posts = [
        asyncio.create_task(stack.send_mail(bombs.nested_html(88_000, tag=f"html{i}")))
        for i in range(16)
    ]
    await asyncio.sleep(0.05)
    innocent = await stack.send_mail(customer_mail(sender="vera@example.org"))
    answers = [await post for post in posts]
    assert innocent.status_code == 202 and innocent.json()["created"] is True
    assert [a.status_code for a in answers] == [202] * 16
    assert all(a.json()["created"] for a in answers), [a.text for a in answers]
    shown = await stack.http.get(
        f"/api/v1/tickets/{answers[0].json()['ticket']}", headers=stack.auth("alice")
    )
    article = shown.json()["articles"][0]
    assert article["body_text"] == "deep words" and not article["body_html"]
    hints = [(h["topic"], h["matched"]) for h in shown.json()["hints"]]
    assert ("html-not-shown", "HTML nested more than 1000 deep") in hints


async def test_a_defect_met_on_a_message_sets_it_aside_with_no_5xx(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A defect of ours on what a sender wrote (here, storing its article fails): the
    message is kept, set aside for its administrators with the defect's class, and the
    post is answered 202; the log names the class and the line, never the message."""

    def defect(*args: object, **kwargs: object) -> None:
        raise ValueError("text of the message: Unmistakable-Words-5120")

    monkeypatch.setattr("ticketflow.engine.inbound.store_read", defect)
    raw = customer_mail(sender="vera@example.org")
    resp = await stack.send_mail(raw)
    assert resp.status_code == 202, resp.text
    assert "could not be stored (ValueError" in resp.json()["set_aside"]
    row = kept(stack)[resp.json()["raw_id"]]
    assert (row.state, row.raw) == ("quarantined", raw)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError at" in logged and "Unmistakable-Words-5120" not in logged
