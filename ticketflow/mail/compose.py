"""Building outbound mail: headers that thread, refuse injection and stop loops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

# Marks our own automatic mail so that a peer (or we) can refuse to answer it.
LOOP_HEADER = "X-Loop"


@dataclass(frozen=True)
class Outgoing:
    from_addr: str
    to_addr: str
    subject: str
    body_text: str
    message_id: str
    in_reply_to: str | None
    references: str | None
    date: datetime
    automatic: bool = False
    body_html: str | None = None  # the HTML alternative, when there is one
    cc_addr: str | None = None  # shown to all; Bcc never is (only the envelope has it)
    attachments: tuple[OutgoingFile, ...] = ()


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    content_type: str
    data: bytes


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain)


def compose(out: Outgoing, loop_value: str) -> EmailMessage:
    """The MIME message; EmailMessage refuses CR or LF in any header value."""
    msg = EmailMessage()
    msg["From"] = out.from_addr
    # Replies come back to the queue's address even where a relay rewrites From.
    msg["Reply-To"] = out.from_addr
    msg["To"] = out.to_addr
    if out.cc_addr:
        msg["Cc"] = out.cc_addr
    msg["Subject"] = out.subject
    msg["Date"] = format_datetime(out.date)
    msg["Message-ID"] = out.message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    refs = " ".join(r for r in (out.references, out.in_reply_to) if r)
    if refs:
        msg["References"] = refs
    if out.automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = loop_value
    msg.set_content(out.body_text)
    if out.body_html:
        msg.add_alternative(out.body_html, subtype="html")
    for file in out.attachments:
        _attach(msg, file)
    return msg


def _attach(msg: EmailMessage, file: OutgoingFile) -> None:
    if file.content_type == "message/rfc822":  # a forwarded original, headers and all
        original = message_from_bytes(file.data, policy=policy.default)
        msg.add_attachment(original, filename=file.filename)
        return
    maintype, _, subtype = file.content_type.partition("/")
    if not subtype or maintype in ("multipart", "message"):
        maintype, subtype = "application", "octet-stream"
    msg.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=file.filename)
