"""Outbound transports against a real SMTP server on loopback and a real Maildir."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from tests.support import SmtpSink
from ticketflow.compose import Outgoing, compose
from ticketflow.models import utcnow
from ticketflow.transport import MaildirTransport, PermanentDeliveryError, SmtpTransport


def message(msgid: str = "<m1@t.example>"):
    out = Outgoing(
        from_addr="support@t.example",
        to_addr="anna@example.org",
        subject="Re: [Ticket#1] hi",
        body_text="Answer text",
        message_id=msgid,
        in_reply_to=None,
        references=None,
        date=utcnow(),
    )
    return compose(out, loop_value="support@t.example")


def test_smtp_delivers(smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    SmtpTransport(f"smtp://127.0.0.1:{port}").send(message(), ["anna@example.org"])
    assert [m["Message-ID"] for m in sink.messages] == ["<m1@t.example>"]


def test_smtp_permanent_refusal_is_permanent(smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    sink.refused.add("anna@example.org")
    with pytest.raises(PermanentDeliveryError, match="550"):
        SmtpTransport(f"smtp://127.0.0.1:{port}").send(message(), ["anna@example.org"])


def test_smtp_url_forms() -> None:
    t = SmtpTransport("smtps://u%40x:p%2Fw@mail.example:2465")
    assert (t.implicit_tls, t.host, t.port, t.user, t.password) == (
        True,
        "mail.example",
        2465,
        "u@x",
        "p/w",
    )
    t = SmtpTransport("smtp://mail.example?starttls=true")
    assert (t.implicit_tls, t.starttls, t.port) == (False, True, 25)
    with pytest.raises(ValueError, match="unsupported"):
        SmtpTransport("http://mail.example")


def test_maildir_writes_each_message_once(tmp_path: Path) -> None:
    outbox = MaildirTransport(tmp_path / "outbox")
    outbox.send(message(), ["anna@example.org"])
    outbox.send(message(), ["anna@example.org"])  # a retried activity
    outbox.send(message("<m2@t.example>"), ["anna@example.org"])
    files = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(files) == 2
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    ids = {
        email.message_from_bytes(f.read_bytes(), policy=policy.default)["Message-ID"] for f in files
    }
    assert ids == {"<m1@t.example>", "<m2@t.example>"}
