"""Colleagues forward customers' mail to support: each mail program's forward becomes the
customer's ticket on the real stack (the automatic reply to the customer, the colleague's
words an internal note, the customer's reply threaded); what is no forward, or no
colleague's, stays its sender's."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually

FORWARDS = Path(__file__).parents[1] / "support" / "forwards"
COLLEAGUE = "ivan@staff.ticketflow.localhost"
CLIENTS = sorted(
    p.stem for p in FORWARDS.glob("*.eml") if p.stem not in ("no-forward", "outlook-name-only")
)


async def ticket(stack: Stack, number: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        return dict(resp.json())

    return await eventually(probe, lambda t: t["state"] != "received")


def forward_of(name: str) -> tuple[bytes, str]:
    """The client's forward, its customer's address made its own (one customer per client)."""
    customer = f"anna.{name}@example.org"
    raw = (FORWARDS / f"{name}.eml").read_bytes()
    return raw.replace(b"anna.petrova@example.org", customer.encode()), customer


def mail_to(stack: Stack, address: str) -> list[EmailMessage]:
    return [m for m in stack.smtp.messages if address in str(m["To"])]


async def test_each_client_s_forward_becomes_the_customer_s_ticket(stack: Stack) -> None:
    made = {}
    for name in CLIENTS:
        raw, customer = forward_of(name)
        resp = await stack.send_mail(raw)
        assert resp.status_code == 202, (name, resp.text)
        made[name] = (resp.json()["ticket"], customer)
    await stack.smtp.wait_for(len(CLIENTS))
    for name, (number, customer) in made.items():
        shown = await ticket(stack, number)
        assert shown["customer"] == customer, name
        assert not shown["subject"].lower().startswith(("fwd", "fw", "пересл")), name
        first, note = shown["articles"][:2]
        assert (first["direction"], customer in first["from"]) == ("in", True), name
        assert first["body_text"].splitlines()[0] in ("Hello,", "Здравствуйте!"), name
        assert first["created_at"].startswith("2026-12-01T"), name  # when she wrote it
        assert (note["direction"], note["author"]) == ("note", COLLEAGUE), name
        assert note["body_text"] and note["body_text"] not in first["body_text"], name
        forwarded = [h for h in shown["history"] if h["action"] == "forwarded"]
        assert [h["detail"] for h in forwarded] == [COLLEAGUE], name
        assert shown["hints"] == [] or all(h["topic"] != "forward-unread" for h in shown["hints"])
        # The automatic reply went to the customer, never the colleague's words in it.
        [reply] = mail_to(stack, customer)
        body = reply.get_body(preferencelist=("plain",))
        assert body is not None and number in body.get_content()
        assert note["body_text"].splitlines()[0] not in body.get_content()
    assert mail_to(stack, COLLEAGUE) == []
    # The customer answers the automatic reply: her ticket, as any reply.
    number, customer = made["gmail-en"]
    [reply] = mail_to(stack, customer)
    resp = await stack.send_mail(
        customer_mail(
            sender=customer, subject=f"Re: {reply['Subject']}", in_reply_to=reply["Message-ID"]
        )
    )
    assert resp.json()["ticket"] == number


async def test_the_attached_original_keeps_its_files_and_message_id(stack: Stack) -> None:
    raw, _ = forward_of("attached-rfc822")
    number = (await stack.send_mail(raw)).json()["ticket"]
    shown = await ticket(stack, number)
    first = shown["articles"][0]
    assert first["message_id"] == "<original-1@example.org>"
    assert [a["filename"] for a in first["attachments"]] == ["error.png"]
    # The same original forwarded again (by another colleague) is the same ticket.
    again = raw.replace(b"<fwd-attached@", b"<fwd-attached-again@")
    assert (await stack.send_mail(again)).json()["ticket"] == number


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("no-forward", "no forwarded message found in it"),
        ("outlook-name-only", "names no sender address"),
    ],
)
async def test_what_cannot_be_read_stays_the_colleague_s_with_a_hint(
    stack: Stack, name: str, reason: str
) -> None:
    raw = (FORWARDS / f"{name}.eml").read_bytes()
    shown = await ticket(stack, (await stack.send_mail(raw)).json()["ticket"])
    assert shown["customer"] == COLLEAGUE
    [hint] = [h for h in shown["hints"] if h["topic"] == "forward-unread"]
    assert reason in hint["matched"]


async def test_a_forward_nobody_authenticated_is_its_sender_s(stack: Stack) -> None:
    """Anyone can write a colleague's From: without our mail server's word that his
    domain's mail passed, a "forward" opens no ticket in a stranger's name."""
    raw, customer = forward_of("gmail-en")
    forged = b"\n".join(
        line for line in raw.split(b"\n") if not line.startswith((b"Authentication-Results", b" "))
    )
    shown = await ticket(stack, (await stack.send_mail(forged)).json()["ticket"])
    assert shown["customer"] == COLLEAGUE
    assert mail_to(stack, customer) == []
