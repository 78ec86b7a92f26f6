"""Routing rules end to end: the example desk's mailboxes, hints with their reasons, tags,
messages made no ticket of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.store.models import RawMessage


async def ticket(stack: Stack, number: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        return dict(resp.json())

    return await eventually(probe, lambda t: t["state"] != "received")


async def test_the_three_mailboxes_route_with_hints_and_reasons(stack: Stack) -> None:
    support = await stack.send_mail(
        customer_mail(subject="Не могу войти", body="Я забыл пароль от почты, помогите.")
    )
    abuse = await stack.send_mail(
        customer_mail(
            to="abuse@ticketflow.localhost",
            subject="SPAM from your users",
            body="One of your users sends us adverts every hour.",
        )
    )
    security = await stack.send_mail(
        customer_mail(
            to="Security <security@ticketflow.localhost>",
            subject="Oltalama e-postası",
            body="Bir dolandırıcı şifremi istedi.",
        )
    )
    first = await ticket(stack, support.json()["ticket"])
    assert (first["queue"], first["state"], first["tags"]) == ("Inbox", "first-line", ["password"])
    [hint] = first["hints"]
    assert hint == {
        "topic": "password",
        "rule": "password topic",
        "article_id": first["articles"][0]["id"],
        "part": "body",
        "matched": "пароль",
    }
    second = await ticket(stack, abuse.json()["ticket"])
    assert (second["queue"], second["state"]) == ("Abuse", "second-line")
    assert [h["topic"] for h in second["hints"]] == ["spam"]
    third = await ticket(stack, security.json()["ticket"])
    assert (third["queue"], third["priority"]) == ("Security", 5)
    assert third["tags"] == ["password", "phishing", "security"]
    assert {(h["topic"], h["part"]) for h in third["hints"]} == {
        ("security", "recipients"),
        ("password", "body"),
        ("phishing", "subject"),
    }
    # The first line does not see the abuse group's queues; a tag filter finds its own.
    page = await stack.http.get("/api/v1/tickets?tag=password", headers=stack.auth("alice"))
    assert [t["number"] for t in page.json()["tickets"]] == [first["number"]]


async def test_an_envelope_recipient_routes_like_the_header(stack: Stack) -> None:
    resp = await stack.http.post(
        "/api/v1/inbound/mail?recipient=security@ticketflow.localhost",
        content=customer_mail(to="undisclosed-recipients:;"),
        headers=stack.inbound,
    )
    assert (await ticket(stack, resp.json()["ticket"]))["queue"] == "Security"


async def test_a_mass_mailing_is_kept_but_makes_no_ticket(stack: Stack) -> None:
    raw = customer_mail(subject="Our November newsletter").replace(
        b"Subject:", b"Precedence: bulk\nList-Unsubscribe: <mailto:u@list.example>\nSubject:"
    )
    resp = await stack.send_mail(raw)
    assert resp.status_code == 202
    assert resp.json() == {
        "ticket": None,
        "created": False,
        "duplicate": False,
        "ignored": "rule 'mass mailing is not a customer'",
        "set_aside": None,
        "raw_id": 1,
    }
    again = await stack.send_mail(raw)
    assert again.json()["duplicate"] is True
    with stack.components.sessions() as session:
        kept = session.scalars(select(RawMessage)).one()
    assert kept.raw == raw and kept.ignored == "rule 'mass mailing is not a customer'"


async def test_mail_marked_as_spam_is_closed_at_once_without_a_reply(stack: Stack) -> None:
    raw = customer_mail(subject="Cheap pills").replace(b"Subject:", b"X-Spam-Flag: YES\nSubject:")
    number = (await stack.send_mail(raw)).json()["ticket"]

    async def probe() -> dict[str, Any]:
        resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        return dict(resp.json())

    closed = await eventually(probe, lambda t: t["state"] == "closed")
    assert closed["tags"] == ["spam"]
    actions = [(h["action"], h["detail"]) for h in closed["history"]]
    assert ("close", "spam") in actions
    assert ("auto-reply-skipped", "spam (rule 'marked as spam upstream')") in actions
    assert stack.smtp.messages == []
