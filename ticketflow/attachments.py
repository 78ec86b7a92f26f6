"""Attachments and inline images of a parsed message. Pure functions.

Every leaf part that is not the message's text is an attachment: files, inline images
(`Content-ID`, referenced from the HTML), forwarded messages. Filenames are made safe
to offer for download: no directories, no control or reserved characters, a bounded
length, and a name made from the content type when the sender gave none.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage, Message

UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_FILENAME = 180
TEXT_TYPES = frozenset({"text/plain", "text/html"})


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool
    content_id: str | None


def extract_attachments(msg: Message) -> list[MailAttachment]:
    if not isinstance(msg, EmailMessage) or not msg.is_multipart():
        return []
    body_parts = _body_parts(msg)
    found: list[MailAttachment] = []
    for part in _leaves(msg):
        if any(part is body for body in body_parts):
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        if content_type in TEXT_TYPES and disposition != "attachment" and not part.get_filename():
            continue  # another rendering of the text (e.g. a second text/plain part)
        data = _payload(part)
        if data is None:
            continue
        content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
        found.append(
            MailAttachment(
                filename=safe_filename(_raw_filename(part), content_type, len(found) + 1),
                content_type=content_type,
                data=data,
                inline=disposition == "inline" or (disposition is None and content_id is not None),
                content_id=content_id,
            )
        )
    return found


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A filename to offer for download: its last path part, without control or reserved
    characters, at most MAX_FILENAME characters with its extension kept."""
    cleaned = unicodedata.normalize("NFC", name or "")
    cleaned = cleaned.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = UNSAFE_CHARS.sub("_", cleaned).strip(" .")
    if not cleaned:
        extension = ".eml" if content_type == "message/rfc822" else None
        extension = extension or mimetypes.guess_extension(content_type) or ".bin"
        cleaned = f"attachment-{index}{extension}"
    if len(cleaned) > MAX_FILENAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:MAX_FILENAME]
    return cleaned


def _body_parts(msg: EmailMessage) -> list[Message]:
    """The parts that make up the text: the chosen plain and HTML renderings."""
    parts: list[Message] = []
    for preference in (("plain",), ("html",)):
        try:
            body = msg.get_body(preferencelist=preference)
        except Exception:  # broken MIME: no body part, every leaf is kept as attachment
            body = None
        if body is not None:
            parts.append(body)
    return parts


def _leaves(msg: Message) -> list[Message]:
    """Leaf parts, with a forwarded message (message/rfc822) kept whole as one leaf."""
    leaves: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_type() == "message/rfc822" and part is not msg:
            leaves.append(part)
        elif part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in reversed(payload) if isinstance(p, Message))
        else:
            leaves.append(part)
    return leaves


def _raw_filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a malformed RFC 2231 parameter
        name = None
    if name is None and part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = str(inner[0].get("Subject") or "").strip()
            return f"{subject}.eml" if subject else None
    return name


def _payload(part: Message) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return None
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encoding: keep nothing rather than fail
        return None
    return data if isinstance(data, bytes) else None
