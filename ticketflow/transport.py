"""Delivering outbound mail: SMTP when configured, else a Maildir outbox."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from hashlib import sha256
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class PermanentDeliveryError(Exception):
    """The server refused the mail for good (5xx); retrying will not help."""


class Transport(Protocol):
    def send(self, msg: EmailMessage, recipients: list[str]) -> None: ...


class MaildirTransport:
    """Writes each mail once into `outbox/new`, named by its Message-ID, so a retry overwrites."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, recipients: list[str]) -> None:
        name = sha256(str(msg["Message-ID"]).encode()).hexdigest()[:32] + ".ticketflow"
        tmp = self.root / "tmp" / name
        with tmp.open("wb") as fh:
            fh.write(msg.as_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "new" / name)


class SmtpTransport:
    """`smtp://user:pass@host:port`, `smtp://...?starttls=true`, or `smtps://...`."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
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
        self.timeout = timeout

    def send(self, msg: EmailMessage, recipients: list[str]) -> None:
        context = ssl.create_default_context()
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
                refused = client.send_message(msg, to_addrs=recipients)
            except smtplib.SMTPRecipientsRefused as exc:
                raise PermanentDeliveryError(_describe(exc.recipients)) from exc
            except smtplib.SMTPResponseException as exc:
                if 500 <= exc.smtp_code < 600:
                    raise PermanentDeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
                raise
            if refused:
                raise PermanentDeliveryError(_describe(refused))


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in refused.items()
    )


def make_transport(smtp_url: str, outbox: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else MaildirTransport(outbox)
