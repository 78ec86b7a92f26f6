"""Reading inbound RFC 822 mail with the standard library's `email` package.

Pure functions: bytes in, plain data out. A later pass (issue 3) widens the
charset and MIME coverage; the shape of the result stays.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message, MIMEPart
from email.policy import default as STRICT
from email.utils import getaddresses
from html.parser import HTMLParser

from ticketflow.mail.attachments import MailAttachment, extract_attachments
from ticketflow.mail.charsets import decode_bytes, decode_header_value
from ticketflow.mail.sanitize import html_past_limits, sanitize_html

MSGID_RE = re.compile(r"<[^<>\s]+>")


class MailRefused(ValueError):
    """The input cannot be taken as mail; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    subject: str
    from_header: str
    from_addr: str
    to_header: str
    cc_header: str
    in_reply_to: str | None
    references: list[str] = field(default_factory=list)
    body_text: str = ""
    # The HTML rendering, sanitised for display (ticketflow.mail.sanitize); "" when there is
    # none, or when it is past the bounds sanitising takes (`html_unshown` says which).
    body_html: str = ""
    html_unshown: str = ""
    # Header fields that tell automatic mail from a person's (lower-case name -> values),
    # and the top-level content type: what loop protection reads (ticketflow.mail.loops).
    automation_headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = "text/plain"
    # A delivery failure report (bounce), and the Message-IDs of the mail it reports on.
    is_bounce: bool = False
    bounce_of: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    # The parsed message itself, for rules that read any header field (header_values).
    message: Message | None = field(default=None, repr=False, compare=False)
    charset_hints: tuple[str, ...] = ()  # the charsets the message declares
    # Its Content-Language field (RFC 3282): kept, since `message` does not leave the
    # reader process.
    content_language: str = ""

    def header_values(self, name: str) -> list[str]:
        """Every value of a header field, decoded; [] when absent."""
        return list(_headers(self.message, name, self.charset_hints)) if self.message else []

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers (or, for a bounce, reports on), nearest first."""
        ids = list(self.bounce_of)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return ids + [r for r in reversed(self.references) if r not in ids]


def parse_mail(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise MailRefused("empty message")
    msg = read_message(raw)
    if not msg.keys():
        raise MailRefused("not an RFC 822 message: no header fields")
    if not any(msg.get(h) for h in ("From", "Sender", "Message-ID", "Subject", "Date")):
        raise MailRefused("not an RFC 822 message: no From, Sender, Subject, Date or Message-ID")
    # The charsets the message declares: how to read its unlabelled 8-bit header text.
    hints = tuple(c for c in msg.get_charsets() if c)
    from_header, from_addr = _sender(msg, hints)
    bounce_of = _reported_message_ids(msg)
    html_as_sent = body_html(msg)
    html_unshown = html_past_limits(html_as_sent) or ""
    return ParsedMail(
        message_id=first_msgid(_header(msg, "Message-ID", hints)),
        subject=_one_line(_header(msg, "Subject", hints)),
        from_header=_one_line(from_header),
        from_addr=from_addr,
        to_header=_one_line(_header(msg, "To", hints)),
        cc_header=_one_line(_header(msg, "Cc", hints)),
        in_reply_to=first_msgid(_header(msg, "In-Reply-To", hints)),
        references=MSGID_RE.findall(_header(msg, "References", hints)),
        body_text=_no_nul(body_text(msg)),
        body_html="" if html_unshown else _no_nul(sanitize_html(html_as_sent)),
        html_unshown=html_unshown,
        automation_headers=_automation_headers(msg),
        content_type=msg.get_content_type(),
        is_bounce=_is_bounce(msg, from_addr, bounce_of),
        bounce_of=bounce_of,
        attachments=extract_attachments(msg, hints),
        message=msg,
        charset_hints=hints,
        content_language=_one_line(_header(msg, "Content-Language", hints))[:100],
    )


BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
ORIGINAL_PART_TYPES = frozenset({"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"})


def _is_bounce(msg: Message, from_addr: str, reported: list[str]) -> bool:
    """A delivery status report (RFC 3464), or a daemon's mail carrying the original."""
    if msg.get_content_type() == "multipart/report":
        report_type = str(msg.get_param("report-type", "") or "").lower()
        return report_type in ("", "delivery-status")
    return from_addr.split("@", 1)[0] in BOUNCE_SENDERS and bool(reported)


def _reported_message_ids(msg: Message) -> list[str]:
    """Message-IDs of the original mail a report carries (whole, or its headers only)."""
    if not msg.is_multipart() or not (
        msg.get_content_type() == "multipart/report"
        or first_address(_header(msg, "From")).split("@", 1)[0] in BOUNCE_SENDERS
    ):
        return []
    ids: list[str] = []
    for part in msg.walk():
        if part.get_content_type() not in ORIGINAL_PART_TYPES:
            continue
        headers: Message | None = None
        try:
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    headers = inner[0]
            else:
                text = part.get_payload(decode=True)
                if isinstance(text, bytes):
                    headers = message_from_bytes(text, policy=policy.default)
            found = first_msgid(_header(headers, "Message-ID")) if headers is not None else None
        except Exception:  # a broken report still is a report; it just names nothing
            found = None
        if found and found not in ids:
            ids.append(found)
    return ids


AUTOMATION_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-auto-response-suppress",
    "x-loop",
    "return-path",
    "x-autoreply",
    "x-autorespond",
)


def _automation_headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in AUTOMATION_HEADERS:
        try:
            values = msg.get_all(name) or []
        except Exception:  # a malformed field says nothing reliable; skip it
            continue
        if values:
            found[name] = [_one_line(str(v)) for v in values]
    return found


# A header field name and its colon: where a message's header starts.
HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
SPACE_BEFORE_COLON = re.compile(rb"^([!-9;-~]+)[ \t]+:")
# How many lines of something else (an mbox "From " line, a mail program's banner) may
# come before the header and be skipped.
MAX_LINES_BEFORE_HEADER = 5


def _header_start(raw: bytes) -> bytes:
    """`raw` from its first header field: an mbox "From " line or a line of garbage before
    the header is skipped (the stored raw message keeps them)."""
    lines = raw.split(b"\n", MAX_LINES_BEFORE_HEADER + 1)
    for index, line in enumerate(lines[: MAX_LINES_BEFORE_HEADER + 1]):
        if HEADER_LINE.match(line):
            return raw if index == 0 else b"\n".join(lines[index:])
        if not line.strip():
            break  # a blank line before any field: not a message we can mend
    return raw


def header_end(raw: bytes) -> int:
    """Where the header ends: the first blank line (LF or CRLF); -1 when there is none."""
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i != -1]
    return min(ends, default=-1)


def _mend_header(raw: bytes) -> bytes:
    """Fold back header lines a broken mail program failed to indent: a line in the
    header that is neither a field nor a continuation would otherwise end the header
    and push the rest of the fields (From, Subject) into the body."""
    end = header_end(raw)
    head = raw if end == -1 else raw[:end]
    lines = head.split(b"\n")
    mended = [_mend_line(line) for line in lines]
    if mended == lines:
        return raw
    return b"\n".join(mended) + (b"" if end == -1 else raw[end:])


def _mend_line(line: bytes) -> bytes:
    if not line.strip() or line[:1] in b" \t":
        return line
    spaced = SPACE_BEFORE_COLON.match(line)
    if spaced:  # obsolete syntax (RFC 5322 4.5): "Subject  : text"
        return spaced.group(1) + b":" + line[spaced.end() :]
    return line if HEADER_LINE.match(line) else b" " + line


def _sender(msg: Message, hints: tuple[str, ...]) -> tuple[str, str]:
    """Who wrote: the first From field that names an address (broken mail programs add a
    second one), else Sender, else Reply-To; the header's text (decoded, for people) and
    its address, read from the field as it came (an encoded word is a display name's,
    never an address: RFC 2047)."""
    fallback = ""
    for name in ("From", "Sender", "Reply-To"):
        for raw, value in _raw_and_decoded(msg, name, hints):
            fallback = fallback or value
            address = mailbox_of(raw)
            if address:
                return value, address
    return fallback, ""


def _raw_and_decoded(msg: Message, name: str, hints: tuple[str, ...]) -> list[tuple[str, str]]:
    wanted = name.lower()
    return [
        (_no_nul(str(v)), _no_nul(decode_header_value(str(v), hints)))
        for k, v in msg.raw_items()
        if k.lower() == wanted
    ]


QUOTED_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|\((?:\\.|[^()\\])*\)')


def mailbox_of(value: str) -> str:
    """The mailbox an address field names: the angle-addr where there is one outside
    quoted text and comments (the display name is no address, whatever it reads:
    `vera@example.org <mi@evil.example>` is mi's), else the first address as RFC 5322
    reads it (first_address)."""
    masked = QUOTED_OR_COMMENT.sub(lambda m: "x" * len(m.group(0)), value)
    angle = ANGLE_ADDRESS.search(masked)
    if angle is not None:
        return first_address(value[angle.start(1) : angle.end(1)])
    return first_address(value)


ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def shown_address(from_header: str, from_addr: str) -> str | None:
    """An address the sender's display name shows other than the real one (`"ceo@bank
    .example" <attacker@evil.example>`), to flag: a person reads the name, not the
    address."""
    shown = from_header.replace(f"<{from_addr}>", " ")
    for found in ADDRESS_IN_TEXT.finditer(shown):
        if found.group(0).lower() != from_addr:
            return found.group(0).lower()
    return None


def read_message(raw: bytes) -> EmailMessage:
    """The message as the email package reads it, after mending what real mail breaks."""
    msg = message_from_bytes(_mend_header(_header_start(raw)), policy=policy.default)
    assert isinstance(msg, EmailMessage)  # policy.default makes EmailMessage
    return msg


def _header(msg: Message, name: str, hints: tuple[str, ...] = ()) -> str:
    """A header field's text, decoded whatever charset it was written in; a malformed
    field must not cost us the message."""
    return next(iter(_headers(msg, name, hints)), "")


def _headers(msg: Message, name: str, hints: tuple[str, ...] = ()) -> list[str]:
    """Every value of a header field, decoded."""
    wanted = name.lower()
    return [
        _no_nul(decode_header_value(str(v), hints))
        for k, v in msg.raw_items()
        if k.lower() == wanted
    ]


def _no_nul(text: str) -> str:
    # NUL is no character of any mail text, and PostgreSQL refuses it in a text column.
    return text.replace("\x00", "")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def first_msgid(value: str) -> str | None:
    match = MSGID_RE.search(value or "")
    return match.group(0) if match else None


ANGLE_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")
DOT_ATOM = re.compile(r"^[\w!#$%&'*+/=?^`{|}~-]+(\.[\w!#$%&'*+/=?^`{|}~-]+)*$")


def first_address(header_value: str) -> str:
    """The first mailbox of an address header, lower-cased, its local part unquoted.
    Obsolete and broken forms real mail carries (spaces in the local part, a trailing
    dot, a bare daemon name) still give the address."""
    strict = _strict_address(header_value)
    if strict:
        return strict
    for _name, addr in getaddresses([header_value]):
        if "@" in addr:
            local, _, domain = addr.strip().rpartition("@")
            unquoted = local[1:-1] if local[:1] == local[-1:] == '"' else local
            if DOT_ATOM.match(unquoted):  # quotes that were not needed
                local = unquoted
            return f"{local}@{domain}".lower()
    angle = ANGLE_ADDRESS.search(header_value)
    if angle:
        return angle.group(1).lower()
    bare = header_value.split("(")[0].strip()
    if DOT_ATOM.match(bare):
        return bare.lower()  # "MAILER-DAEMON (Mail Delivery System)"
    return ""


def _strict_address(header_value: str) -> str:
    """The first mailbox as RFC 5322 reads it (the `email` package's header registry):
    a quoted local part stays one local part, so `"x y: anna@example.org"@atk.example` is
    an address at atk.example, never anna's. Empty when the registry finds no mailbox."""
    unfolded = re.sub(r"\r?\n", "", header_value)  # a folded line is one line (RFC 5322)
    try:
        addresses = STRICT.header_factory("From", unfolded).addresses
    except Exception:  # the registry records defects; anything else: the lenient reading
        return ""
    for address in addresses:
        if address.username and address.domain:
            local, quoted = address.username, address.addr_spec.rpartition("@")[0]
            if quoted.startswith('"') and quoted in unfolded:
                local = quoted  # quoted by its sender, so it stays one quoted local part
            return f"{local}@{address.domain}".lower()
    return ""


def body_html(msg: Message) -> str:
    """The HTML rendering as sent, when there is one (not sanitised: not for display)."""
    if not isinstance(msg, EmailMessage):
        return ""
    try:
        part = msg.get_body(preferencelist=("html",))
    except Exception:
        return ""
    return _decoded_text(part) if part is not None else ""


def body_text(msg: Message) -> str:
    if not isinstance(msg, EmailMessage):
        return ""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _decoded_text(part: MIMEPart) -> str:
    """The part's text in the charset it declares, or the best guess when that is wrong,
    unknown or missing: the body is never lost to a bad label."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "head"})
    _BREAK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    text = html.unescape("".join(extractor.parts))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
