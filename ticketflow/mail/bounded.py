"""Reading mail any sender can write, with bounds: a message the desk cannot read in
bounded time and memory is refused with a reason (MailUnreadable), never an exception
of the parser's.

The shape is checked on the bytes before the `email` package sees them: its parser
spends about half a millisecond per MIME part and recurses once per nesting level, so
a message of 20,000 parts or 1,000 levels would take seconds or blow the stack. The
clock bound itself is the reader process's (ticketflow.mail.reader).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ticketflow.mail.parse import HEADER_LINE, MailRefused, ParsedMail, header_end, parse_mail

BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.I)
DELIMITER_LINE = re.compile(rb"^--([^\r\n]{1,202}?)[ \t]*\r?$", re.M)


class MailUnreadable(MailRefused):
    """Mail the desk keeps but cannot read within its limits; `reason` names the limit or
    the part that failed."""


@dataclass(frozen=True)
class MailLimits:
    max_parts: int = 1000
    max_depth: int = 40
    max_header_bytes: int = 512 * 1024
    max_header_fields: int = 2000
    # Wall-clock seconds the reader may spend on one message (enforced by the reader).
    max_seconds: float = 10.0


# Past either, a message is read in the heavy lane (ticketflow.mail.reader.ReaderLanes):
# ordinary mail, a few parts and a few hundred KiB, never waits behind it.
HEAVY_BYTES = 512 * 1024
HEAVY_DELIMITERS = 64


def is_heavy(raw: bytes) -> bool:
    """Large, or of many parts: a C-speed look, taken on the event loop."""
    return len(raw) > HEAVY_BYTES or raw.count(b"\n--") > HEAVY_DELIMITERS


# The From field in a header block, with its continuation lines; the mailbox in it.
FROM_FIELD = re.compile(rb"^from[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.I | re.M)
ANGLE_ADDR = re.compile(rb"<([^<>\s]{1,254})>")
SENDER_HEADER_BYTES = 64 * 1024


def sender_key(raw: bytes) -> bytes:
    """Whom a message says it is from, for the readers' turns (ticketflow.mail.turns): the
    last angle-addr of its From field, or the field, lower-case; a look at the bytes taken
    on the event loop, before anything parses them. Anyone can write any From: the turns
    only keep one sender's flood from delaying other senders' mail."""
    found = FROM_FIELD.search(header_block(raw[:SENDER_HEADER_BYTES]))
    if found is None:
        return b""
    field_ = found.group(1)
    mailboxes = ANGLE_ADDR.findall(field_)
    return (mailboxes[-1] if mailboxes else field_.strip())[:320].lower()


def check_shape(raw: bytes, limits: MailLimits) -> None:
    """Refuse a message whose header or MIME structure is past the limits."""
    head = header_block(raw)
    if len(head) > limits.max_header_bytes:
        raise MailUnreadable(f"header larger than {limits.max_header_bytes} bytes")
    fields = sum(1 for line in head.split(b"\n") if line[:1] not in (b" ", b"\t", b""))
    if fields > limits.max_header_fields:
        raise MailUnreadable(f"more than {limits.max_header_fields} header fields")
    boundaries = {m.group(1) or m.group(2) for m in BOUNDARY_PARAM.finditer(raw)}
    if not boundaries:
        return
    parts, depth = mime_shape(raw, boundaries)
    if parts > limits.max_parts:
        raise MailUnreadable(f"more than {limits.max_parts} MIME parts")
    if depth > limits.max_depth:
        raise MailUnreadable(f"MIME parts nested more than {limits.max_depth} deep")


def mime_shape(raw: bytes, boundaries: set[bytes]) -> tuple[int, int]:
    """How many parts the delimiter lines open, and how deep they nest: a delimiter of a
    boundary not yet open opens a level, a close delimiter (or one of an outer boundary)
    ends the levels inside it."""
    parts, depth = 0, 0
    open_: list[bytes] = []
    for match in DELIMITER_LINE.finditer(raw):
        token = match.group(1)
        closing = token.endswith(b"--") and token[:-2] in boundaries
        boundary = token[:-2] if closing else token
        if boundary not in boundaries:
            continue
        if boundary in open_:
            del open_[open_.index(boundary) + 1 :]
            if closing:
                open_.pop()
        elif not closing:
            open_.append(boundary)
        if not closing:
            parts += 1
        depth = max(depth, len(open_))
    return parts, depth


def read_bounded(raw: bytes, limits: MailLimits) -> ParsedMail:
    """The message parsed, or MailRefused (not mail) / MailUnreadable (past a limit, or
    the parser failed on it) with the reason."""
    check_shape(raw, limits)
    try:
        return parse_mail(raw)
    except MailRefused:
        raise
    except RecursionError:
        raise MailUnreadable("MIME structure nested too deep to read") from None
    except MemoryError:
        raise MailUnreadable("too large to read in the reader's memory") from None
    except Exception as exc:  # a parser defect on hostile input: keep the message, say so
        raise MailUnreadable(f"the mail parser failed ({type(exc).__name__})") from None


def refuse_non_mail(raw: bytes) -> None:
    """MailRefused for bytes that are no message at all (nothing worth keeping): empty, or
    no header field within the first lines. A cheap look; anything else is kept first."""
    if not raw.strip():
        raise MailRefused("empty message")
    if not any(HEADER_LINE.match(line) for line in raw.split(b"\n", 6)[:6]):
        raise MailRefused("not an RFC 822 message: no header fields")


def content_digest(raw: bytes, mail: ParsedMail) -> str:
    """What every delivery of one message shares: its author, subject and body bytes.
    Trace fields (Received, Delivered-To, Return-Path) differ from path to path, so a
    copy that came twice compares equal, and other content under a reused Message-ID
    does not."""
    digest = hashlib.sha256()
    for value in (mail.from_header, mail.subject, mail.to_header, mail.cc_header):
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(raw[len(header_block(raw)) :].lstrip(b"\r\n"))
    return digest.hexdigest()


def header_block(raw: bytes) -> bytes:
    """The header lines, up to the first blank line (all of `raw` when there is none)."""
    end = header_end(raw)
    return raw if end == -1 else raw[:end]
