"""Messages as customers and mail daemons write them, and reading the mail we send."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def customer_mail(
    *,
    sender: str = "Anna Petrova <anna@example.org>",
    to: str = "support@ticketflow.localhost",
    subject: str = "Cannot log in",
    body: str = "I forgot my password and the recovery form does not work.",
    in_reply_to: str | None = None,
    message_id: str | None = None,
    cc: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


def delivery_report(original_id: str, *, standard: bool = True) -> bytes:
    """A bounce as MTAs send them: RFC 3464 with the original's headers, or a daemon's
    plain mail with the whole original attached."""
    if standard:
        return (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
            "To: support@desk.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <dsn-1@mx.example.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\n"
            "Final-Recipient: rfc822; gone@example.org\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: support@desk.example\r\nTo: gone@example.org\r\nMessage-ID: {original_id}\r\n"
            "Subject: Re: [Ticket#2026112410000001] Help\r\n\r\n--b--\r\n"
        ).encode()
    return (
        "From: postmaster@old-mx.example.org\r\nTo: support@desk.example\r\n"
        "Subject: failure notice\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain\r\n\r\nSorry, no mailbox here.\r\n"
        "--m\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: support@desk.example\r\nMessage-ID: {original_id}\r\nSubject: Re: Help\r\n\r\n"
        "Our answer.\r\n--m--\r\n"
    ).encode()


def text_part(msg: EmailMessage) -> str:
    """The text/plain body of a mail we sent (ours also carry an HTML alternative)."""
    part = msg.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage), "no text/plain part"
    return str(part.get_content())
