"""Delivering outbound mail: SMTP when configured, else a Maildir outbox.

Exactly once: SMTP has no idempotency, so the only moment a retry could send a mail
twice is after the server may have taken it, that is once the end of the data has
gone out. The SMTP transport calls `handover` just before sending it; the caller records
that durably, and a retry that finds the record does not send again (activities/mail.py).
Before that point a failure leaves no mail at the server (RFC 5321 4.1.1.4: an
unterminated DATA is discarded), so retrying is safe. The Maildir outbox names each file
by its Message-ID, so a retry rewrites the same file: it needs no hand-over.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import getaddresses
from hashlib import sha256
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

# A line of the message that starts with a dot gets a second one (RFC 5321 4.5.2).
DOT_LINE = re.compile(rb"(?m)^\.")


class PermanentDeliveryError(Exception):
    """The server refused the mail for good (5xx); retrying will not help."""


class SomeRecipientsRefused(Exception):
    """The server took the mail for some recipients and refused others for good (a Cc
    that does not exist): sent, with the refusals to show."""


class Transport(Protocol):
    # True when sending the same message twice delivers it once.
    idempotent: bool

    def send(
        self, msg: EmailMessage, recipients: list[str], handover: Callable[[], None]
    ) -> None: ...


class MaildirTransport:
    """Writes each mail once into `outbox/new`, named by its Message-ID, so a retry
    overwrites. Its recipients head the file as `X-Envelope-To` fields (as the envelope
    an MTA would take it with): a Bcc is in no other header."""

    idempotent = True

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, recipients: list[str], handover: Callable[[], None]) -> None:
        name = sha256(str(msg["Message-ID"]).encode()).hexdigest()[:32] + ".ticketflow"
        tmp = self.root / "tmp" / name
        envelope = b"".join(f"X-Envelope-To: {r}\n".encode() for r in recipients)
        with tmp.open("wb") as fh:
            fh.write(envelope + msg.as_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "new" / name)


class SmtpTransport:
    """`smtp://user:pass@host:port`, `smtp://...?starttls=true`, or `smtps://...`;
    `?timeout=SECONDS` bounds each network wait (default 30); `?cafile=PATH` trusts a
    private CA (a company relay) instead of the system's."""

    idempotent = False

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"unsupported SMTP URL scheme {parts.scheme!r}")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.timeout = float(query.get("timeout", ["30"])[0])
        self.cafile = query.get("cafile", [None])[0]

    def send(self, msg: EmailMessage, recipients: list[str], handover: Callable[[], None]) -> None:
        context = ssl.create_default_context(cafile=self.cafile)
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            try:
                refused = _transaction(client, msg, recipients, handover)
            except smtplib.SMTPRecipientsRefused as exc:
                raise PermanentDeliveryError(_describe(exc.recipients)) from exc
            except smtplib.SMTPResponseException as exc:
                if 500 <= exc.smtp_code < 600:
                    raise PermanentDeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
                raise
            if refused:
                raise SomeRecipientsRefused(_describe(refused))


def _transaction(
    client: smtplib.SMTP,
    msg: EmailMessage,
    recipients: list[str],
    handover: Callable[[], None],
) -> dict[str, tuple[int, bytes]]:
    """MAIL, RCPT, DATA as smtplib's send_message does, with `handover` called once the
    final dot has gone out and before the server's answer is read: from then on the
    server may have the mail (an attempt cut short before it never reached that point,
    and is sent again; one cut short after it is unconfirmed, never sent twice)."""
    sender = next((a for _, a in getaddresses([str(msg["From"] or "")]) if a), "")
    data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    client.ehlo_or_helo_if_needed()
    options: list[str] = []
    if not all(a.isascii() for a in [sender, *recipients]):
        if not client.has_extn("smtputf8"):
            raise PermanentDeliveryError("the server cannot take international addresses")
        options += ["SMTPUTF8", "BODY=8BITMIME"]
    code, reply = client.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in recipients:
        code, reply = client.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    stuffed = DOT_LINE.sub(b"..", data)
    client.send(stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n")
    client.send(b".\r\n")
    handover()
    code, reply = client.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in refused.items()
    )


def make_transport(smtp_url: str, outbox: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(outbox)
