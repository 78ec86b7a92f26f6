"""Loop protection: which messages may get an automatic reply (pure, no I/O)."""

from __future__ import annotations

import pytest

from ticketflow.mail.addresses import counted_sender
from ticketflow.mail.compose import Outgoing, compose
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.loops import auto_reply_refusal
from ticketflow.mail.parse import parse_mail
from ticketflow.store.models import utcnow

OWN = MailIdentity(from_addr="support@desk.example", domain="desk.example")


def mail(*headers: str, sender: str = "anna@example.org") -> bytes:
    lines = [f"From: Anna <{sender}>", "To: support@desk.example", "Subject: help", *headers]
    return ("\r\n".join(lines) + "\r\n\r\nI cannot log in.\r\n").encode()


def test_a_person_s_mail_gets_a_reply() -> None:
    assert auto_reply_refusal(parse_mail(mail()), OWN) is None
    assert auto_reply_refusal(parse_mail(mail("Auto-Submitted: no")), OWN) is None
    assert auto_reply_refusal(parse_mail(mail("X-Auto-Response-Suppress: None")), OWN) is None
    assert auto_reply_refusal(parse_mail(mail("X-Loop: other@desk.example")), OWN) is None
    assert auto_reply_refusal(parse_mail(mail("Precedence: first-class")), OWN) is None


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        (["Auto-Submitted: auto-replied"], "anna@example.org", "Auto-Submitted: auto-replied"),
        (["Auto-Submitted: auto-generated; owner-email=x@y"], "anna@example.org", "Auto-Submitted"),
        (["Precedence: bulk"], "anna@example.org", "Precedence: bulk"),
        (["Precedence: JUNK"], "anna@example.org", "Precedence: junk"),
        (["Precedence: list"], "anna@example.org", "Precedence: list"),
        (["Precedence: auto_reply"], "anna@example.org", "Precedence: auto_reply"),
        (["Precedence: Auto_Reply"], "anna@example.org", "Precedence: auto_reply"),
        (["Return-Path: < >"], "anna@example.org", "null sender"),
        (["X-Autorespond: yes"], "anna@example.org", "X-Autorespond present"),
        (["List-Id: <users.lists.example.org>"], "anna@example.org", "mailing list"),
        (["List-Unsubscribe: <mailto:leave@example.org>"], "anna@example.org", "mailing list"),
        (["X-Auto-Response-Suppress: All"], "anna@example.org", "X-Auto-Response-Suppress"),
        (["X-Auto-Response-Suppress: OOF, AutoReply"], "anna@example.org", "Suppress: OOF"),
        (["X-Loop: Support@Desk.Example"], "anna@example.org", "X-Loop"),
        (["X-Loop: a@b", "X-Loop: support@desk.example"], "anna@example.org", "X-Loop"),
        (["X-Autoreply: yes"], "anna@example.org", "X-Autoreply"),
        (["Return-Path: <>"], "anna@example.org", "null sender"),
        (["Content-Type: multipart/report; boundary=b"], "anna@example.org", "delivery report"),
        ([], "MAILER-DAEMON@mx.example.org", "mail daemon"),
        ([], "postmaster@example.org", "mail daemon"),
        ([], "no-reply@shop.example", "no-reply"),
        ([], "support@desk.example", "our own addresses"),
    ],
)
def test_automatic_mail_gets_no_reply(headers: list[str], sender: str, reason: str) -> None:
    refusal = auto_reply_refusal(parse_mail(mail(*headers, sender=sender)), OWN)
    assert refusal is not None and reason in refusal


def test_mail_without_sender_gets_no_reply() -> None:
    raw = b"Subject: who am I\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n"
    assert auto_reply_refusal(parse_mail(raw), OWN) == "no sender address"


def test_our_own_automatic_reply_is_refused_by_a_peer_and_by_us() -> None:
    """Two installations: each one's automatic reply is refused by the other."""
    ours = compose(
        Outgoing(
            from_addr="support@desk.example",
            to_addr="help@peer.example",
            subject="[Ticket#2026112410000001] help",
            body_text="We have your request.",
            message_id="<r1@desk.example>",
            in_reply_to=None,
            references=None,
            date=utcnow(),
            automatic=True,
        ),
        OWN.loop_value,
    )
    peer = MailIdentity(from_addr="help@peer.example", domain="peer.example")
    as_received = parse_mail(ours.as_bytes())
    assert auto_reply_refusal(as_received, peer) == "Auto-Submitted: auto-replied"
    assert auto_reply_refusal(as_received, OWN) is not None


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("anna@example.org", "anna@example.org"),
        ("Anna+promo@Example.ORG", "anna@example.org"),
        ("anna+a+b@example.org", "anna@example.org"),
        ("+x@example.org", "+x@example.org"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_sub_addresses_count_as_their_mailbox(address: str, counted: str) -> None:
    assert counted_sender(address) == counted
