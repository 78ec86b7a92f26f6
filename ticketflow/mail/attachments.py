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
from email.policy import default as default_policy

from ticketflow.mail.charsets import decode_bytes, decode_header_value

UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_FILENAME = 180
TEXT_TYPES = frozenset({"text/plain", "text/html"})
# Raw 8-bit bytes as the email package keeps them in a field: surrogate escapes.
EIGHT_BIT = re.compile("[\udc80-\udcff]")
UNFOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool
    content_id: str | None


def extract_attachments(msg: Message, hints: tuple[str, ...] = ()) -> list[MailAttachment]:
    """`hints`: the message's declared charsets, for filenames written in 8-bit bytes."""
    if not isinstance(msg, EmailMessage):
        return []
    if not msg.is_multipart():
        return _single_part(msg, hints)
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
                filename=safe_filename(_raw_filename(part, hints), content_type, len(found) + 1),
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


def _single_part(msg: EmailMessage, hints: tuple[str, ...]) -> list[MailAttachment]:
    """A message that is one file and no text (a scanner's PDF, an S/MIME blob)."""
    content_type = msg.get_content_type()
    named = msg.get_content_disposition() == "attachment" or msg.get_filename() is not None
    if content_type.startswith(("text/", "multipart/")) and not named:
        return []  # text, or a multipart without a boundary: its text is the body
    data = _payload(msg)
    if data is None:
        return []
    name = safe_filename(_raw_filename(msg, hints), content_type, 1)
    return [MailAttachment(name, content_type, data, inline=False, content_id=None)]


# Parts the email package parses into sub-parts but that are one file to a person.
WHOLE_PARTS = frozenset({"message/rfc822", "message/delivery-status"})
DESCRIBED_EXTENSIONS = {"message/rfc822": ".eml", "message/delivery-status": ".txt"}
DEFAULT_NAMES = {"message/delivery-status": "delivery-status.txt"}


def _leaves(msg: Message) -> list[Message]:
    """Leaf parts, with a forwarded message or a delivery report kept whole as one leaf."""
    leaves: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_type() in WHOLE_PARTS and part is not msg:
            leaves.append(part)
        elif part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in reversed(payload) if isinstance(p, Message))
        else:
            leaves.append(part)
    return leaves


def _raw_filename(part: Message, hints: tuple[str, ...]) -> str | None:
    """The sender's name for the file; else a forwarded message's subject, or the part's
    Content-Description (how MTAs name a bounce's parts), with the type's extension."""
    name = _eight_bit_filename(part, hints)
    if name is not None:
        return name
    try:
        name = part.get_filename()
    except Exception:  # a malformed RFC 2231 parameter
        name = None
    if name is not None:
        return name
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            fields = inner[0].raw_items()
            raw_subject = next((str(v) for k, v in fields if k.lower() == "subject"), "")
            subject = " ".join(decode_header_value(raw_subject, hints).split())
            if subject:
                return f"{subject}.eml"
    extension = DESCRIBED_EXTENSIONS.get(content_type, "")
    description = " ".join(str(part.get("Content-Description") or "").split())
    if description and extension:
        return description + extension
    return DEFAULT_NAMES.get(content_type)


def _eight_bit_filename(part: Message, hints: tuple[str, ...]) -> str | None:
    """A filename written in raw 8-bit bytes, decoded in the message's charset.

    The email package replaces such bytes before `get_filename` returns, so this reads the
    raw field (where they are surrogate escapes), decodes it whole and parses that.
    """
    for field, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = next((str(v) for k, v in part.raw_items() if k.lower() == field), None)
        if raw is None or not EIGHT_BIT.search(raw):
            continue
        text = decode_bytes(UNFOLD.sub("", raw).encode("utf-8", "surrogateescape"), None, hints)
        params = getattr(default_policy.header_factory(field, text), "params", {})
        if params.get(param):
            return str(params[param])
    return None


def _payload(part: Message) -> bytes | None:
    if part.get_content_type() == "message/delivery-status":
        blocks = part.get_payload()
        if isinstance(blocks, list):
            return b"\n".join(b.as_bytes() for b in blocks if isinstance(b, Message))
        return None
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
