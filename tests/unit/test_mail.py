"""Pure mail logic: parsing, subject tags, threading ids, composition."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow.compose import Outgoing, compose
from ticketflow.mailparse import MailRefused, html_to_text, parse_mail
from ticketflow.numbering import number_in_subject, tagged_subject, ticket_number

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def test_parse_plain_mail() -> None:
    raw = (
        b"From: =?utf-8?b?0JDQvdC90LA=?= <Anna@Example.ORG>\r\n"
        b"To: support@example.com\r\n"
        b"Subject: =?koi8-r?b?8MHSz8zY?=\r\n"
        b"Message-ID: <abc@example.org>\r\n"
        b"In-Reply-To: <prev@x>\r\n"
        b"References: <root@x> <prev@x>\r\n"
        b"Content-Type: text/plain; charset=windows-1251\r\n"
        b"\r\n" + "Не могу войти".encode("windows-1251") + b"\r\n"
    )
    mail = parse_mail(raw)
    assert mail.from_addr == "anna@example.org"
    assert mail.subject == "Пароль"
    assert mail.body_text == "Не могу войти"
    assert mail.message_id == "<abc@example.org>"
    assert mail.thread_ids == ["<prev@x>", "<root@x>"]


def test_html_only_mail_becomes_readable_text() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>there</b></p>"
        b"<script>alert(1)</script><p>Line two</p></body></html>"
    )
    assert parse_mail(raw).body_text == "Hello there\nLine two"
    assert html_to_text("a<br>b") == "a\nb"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"   \r\n", "empty message"),
        (b"hello world, not mail", "no header fields"),
        (b"X-Foo: bar\r\n\r\nbody", "no From, Sender, Subject, Date or Message-ID"),
    ],
)
def test_not_mail_is_refused_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MailRefused, match=reason):
        parse_mail(raw)


@pytest.mark.parametrize("folder", ["mikel-mail", "zammad-mail"])
def test_every_corpus_message_parses_or_is_refused_with_a_reason(folder: str) -> None:
    files = [p for p in (CORPUS / folder).rglob("*") if p.suffix in (".eml", ".box")]
    assert len(files) > 100
    refused = {}
    for path in files:
        try:
            parse_mail(path.read_bytes())
        except MailRefused as exc:
            refused[path.name] = exc.reason
    # Messages with mbox lines or garbage before the headers: the mail-intake
    # issue makes these parse; until then they are refused, each with a reason.
    assert len(refused) <= 2, refused
    assert all(refused.values())


@pytest.mark.parametrize(
    "subject",
    [
        "[Ticket#2026112410000001] Cannot log in",
        "Re: [Ticket#2026112410000001] Cannot log in",
        "AW: WG: [ticket#2026112410000001]",
        "Отв: Ynt: RE[2]: [Ticket#2026112410000001] Пароль",
    ],
)
def test_ticket_number_is_found_behind_any_prefix(subject: str) -> None:
    assert number_in_subject(subject) == "2026112410000001"


def test_no_number_in_plain_subjects() -> None:
    assert number_in_subject("Ticket 2026112410000001") is None
    assert number_in_subject("[Ticket#12]") is None


def test_tagged_subject_adds_the_tag_once() -> None:
    number = ticket_number(datetime(2026, 11, 24, tzinfo=UTC), "10", 7)
    assert number == "2026112410000007"
    assert tagged_subject("Help", number) == f"Re: [Ticket#{number}] Help"
    once = tagged_subject("Help", number)
    assert tagged_subject(once, number) == once


def outgoing(**changes: object) -> Outgoing:
    fields: dict[str, object] = {
        "from_addr": "support@t.example",
        "to_addr": "anna@example.org",
        "subject": "Re: [Ticket#1] Help",
        "body_text": "Answer",
        "message_id": "<out-1@t.example>",
        "in_reply_to": "<in-1@example.org>",
        "references": "<root@example.org>",
        "date": datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        "automatic": True,
    }
    fields.update(changes)
    return Outgoing(**fields)  # type: ignore[arg-type]


def test_composed_mail_threads_and_marks_automatic_replies() -> None:
    msg = compose(outgoing(), loop_value="support@t.example")
    assert msg["Message-ID"] == "<out-1@t.example>"
    assert msg["In-Reply-To"] == "<in-1@example.org>"
    assert msg["References"] == "<root@example.org> <in-1@example.org>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Loop"] == "support@t.example"
    assert "Auto-Submitted" not in compose(outgoing(automatic=False), loop_value="x")


@pytest.mark.parametrize("field", ["subject", "to_addr", "from_addr"])
def test_header_injection_is_refused(field: str) -> None:
    with pytest.raises(ValueError):
        compose(outgoing(**{field: "x\r\nBcc: victim@example.org"}), loop_value="x").as_bytes()
