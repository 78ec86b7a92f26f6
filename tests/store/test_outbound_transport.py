"""Outbound transports against a real SMTP server on loopback and a real Maildir."""

from __future__ import annotations

import email
import smtplib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.stack import SmtpSink, free_port
from ticketflow.mail.compose import Outgoing, compose
from ticketflow.mail.transport import MaildirTransport, PermanentDeliveryError, SmtpTransport
from ticketflow.store.models import utcnow


def NO_HANDOVER() -> None:
    pass


def message(msgid: str = "<m1@t.example>") -> EmailMessage:
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
    SmtpTransport(f"smtp://127.0.0.1:{port}").send(message(), ["anna@example.org"], NO_HANDOVER)
    assert [m["Message-ID"] for m in sink.messages] == ["<m1@t.example>"]


def test_smtp_hands_over_once_the_end_of_data_is_sent(smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    msg = message()
    msg.set_content("first line\n.a line that starts with a dot\n.\nlast line\n")
    seen_at_handover: list[int] = []
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}?timeout=5")
    transport.send(msg, ["anna@example.org"], lambda: seen_at_handover.append(len(sink.messages)))
    assert len(seen_at_handover) == 1  # called once, after the final dot went out
    received = sink.messages[0].get_content().replace("\r\n", "\n")
    assert received == msg.get_content()  # lines starting with a dot survive the stuffing


def test_smtp_timeout_after_data_raises_after_the_handover(smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    sink.faults.append("slow")
    handed_over: list[bool] = []
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}?timeout=0.5")
    with pytest.raises(OSError):
        transport.send(message(), ["anna@example.org"], lambda: handed_over.append(True))
    assert handed_over == [True] and len(sink.messages) == 1


def test_smtp_permanent_refusal_is_permanent(smtp: tuple[SmtpSink, int]) -> None:
    sink, port = smtp
    sink.refused.add("anna@example.org")
    with pytest.raises(PermanentDeliveryError, match="550"):
        SmtpTransport(f"smtp://127.0.0.1:{port}").send(message(), ["anna@example.org"], NO_HANDOVER)


def test_smtp_url_forms() -> None:
    t = SmtpTransport("smtps://u%40x:p%2Fw@mail.example:2465")
    assert (t.implicit_tls, t.host, t.port, t.user, t.password) == (
        True,
        "mail.example",
        2465,
        "u@x",
        "p/w",
    )
    t = SmtpTransport("smtp://mail.example?starttls=true&timeout=7.5")
    assert (t.implicit_tls, t.starttls, t.port, t.timeout) == (False, True, 25, 7.5)
    with pytest.raises(ValueError, match="unsupported"):
        SmtpTransport("http://mail.example")


def test_maildir_writes_each_message_once(tmp_path: Path) -> None:
    outbox = MaildirTransport(tmp_path / "outbox")
    outbox.send(message(), ["anna@example.org"], NO_HANDOVER)
    outbox.send(message(), ["anna@example.org"], NO_HANDOVER)  # a retried activity
    outbox.send(message("<m2@t.example>"), ["anna@example.org"], NO_HANDOVER)
    files = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(files) == 2
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    ids = {
        email.message_from_bytes(f.read_bytes(), policy=policy.default)["Message-ID"] for f in files
    }
    assert ids == {"<m1@t.example>", "<m2@t.example>"}


@dataclass
class TlsServer:
    sink: SmtpSink
    port: int
    cafile: Path
    starttls: bool  # else implicit TLS (smtps)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)


def _accept_relay_user(logins: list[tuple[bytes, bytes]]) -> Callable[..., AuthResult]:
    def authenticate(
        server: object, session: object, envelope: object, mechanism: str, auth_data: object
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data == LoginPassword(b"relay@t.example", b"s3cret/pw")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235/535

    return authenticate


@pytest.fixture(params=["starttls", "smtps"])
def tls_smtp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TlsServer]:
    """A real SMTP server with a certificate from a private CA, wanting a login over TLS."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    server = TlsServer(SmtpSink(), free_port(), cafile, starttls=request.param == "starttls")
    tls: dict[str, Any] = (
        {"tls_context": server_context, "require_starttls": True}
        if server.starttls
        else {"ssl_context": server_context}
    )
    controller = Controller(
        server.sink,
        hostname="127.0.0.1",
        port=server.port,
        authenticator=_accept_relay_user(server.logins),
        auth_require_tls=server.starttls,  # aiosmtpd cannot tell implicit TLS
        server_hostname="127.0.0.1",
        **tls,
    )
    controller.start()
    yield server
    controller.stop()


def tls_url(server: TlsServer, password: str = "s3cret%2Fpw") -> str:
    scheme, flag = ("smtp", "&starttls=true") if server.starttls else ("smtps", "")
    return (
        f"{scheme}://relay%40t.example:{password}@127.0.0.1:{server.port}"
        f"?cafile={server.cafile}&timeout=10{flag}"
    )


def test_smtp_over_tls_logs_in_and_delivers(tls_smtp: TlsServer) -> None:
    SmtpTransport(tls_url(tls_smtp)).send(message(), ["anna@example.org"], NO_HANDOVER)
    assert [m["Message-ID"] for m in tls_smtp.sink.messages] == ["<m1@t.example>"]
    assert tls_smtp.logins == [(b"relay@t.example", b"s3cret/pw")]


def test_smtp_with_a_wrong_password_delivers_nothing(tls_smtp: TlsServer) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpTransport(tls_url(tls_smtp, "wrong")).send(message(), ["a@example.org"], NO_HANDOVER)
    assert tls_smtp.sink.messages == []


def test_smtp_refuses_a_server_it_cannot_verify(tls_smtp: TlsServer) -> None:
    # Without the private CA the certificate is unknown: nothing is sent in the clear.
    url = tls_url(tls_smtp).replace(f"cafile={tls_smtp.cafile}&", "")
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpTransport(url).send(message(), ["anna@example.org"], NO_HANDOVER)
    assert tls_smtp.sink.messages == [] and tls_smtp.logins == []
