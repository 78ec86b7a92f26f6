"""Property tests of reading mail anyone can write: generated MIME trees, charsets and
broken header fields. Reading either gives a message or refuses it with a reason (to be
kept in quarantine); no other exception escapes. Inputs are bounded in size, so each
example is bounded in time and memory; the reader's clock is tested in tests/api."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow.desk.projects import load_projects
from ticketflow.desk.reading import read_and_classify
from ticketflow.mail.bounded import MailLimits, MailUnreadable, check_shape, content_digest
from ticketflow.mail.parse import MailRefused, parse_mail
from ticketflow.settings import Settings

LIMITS = MailLimits(max_parts=200, max_depth=12, max_header_bytes=64 * 1024)
PROJECTS = load_projects(Settings().desk_config).rules()

CHARSETS = st.sampled_from(
    [
        "utf-8", "iso-8859-1", "koi8-r", "windows-1251", "iso-2022-jp", "gb2312", "shift_jis",
        "utf-7", "utf-16", "unicode_escape", "raw_unicode_escape", "undefined", "punycode",
        "idna", "rot13", "base64", "zlib", "x-unknown", "", "utf-8\x00", '"utf-8',
    ]
)  # fmt: skip
ENCODINGS = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "bogus"])
TEXT = st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace"))
HEADER_NAMES = st.sampled_from(
    [b"From", b"To", b"Cc", b"Subject", b"Message-ID", b"In-Reply-To", b"References",
     b"Date", b"Reply-To", b"Sender", b"Delivered-To", b"Auto-Submitted", b"Precedence",
     b"Return-Path", b"X-Loop", b"Content-Type", b"Content-Disposition", b"X-Junk"]
)  # fmt: skip
BROKEN_VALUES = st.sampled_from(
    [
        b'"x\r\n y: anna@example.org"@attacker.example', b"=?utf-8?q?broken", b"=?x?b?!!!?=",
        b"<a@b>" * 50, b"\x00\x01\x02", b"\xff\xfe\xfd", b"a" * 3000, b"", b" ", b"<>",
        b"< >", b"@", b"\"", b"(comment (nested", b"=?utf-7?q?+AGE-?=", b"a@b\r\nBcc: c@d",
    ]
)  # fmt: skip


@st.composite
def header_field(draw: st.DrawFn) -> bytes:
    name = draw(HEADER_NAMES)
    value = draw(BROKEN_VALUES | TEXT.map(lambda b: b.replace(b"\n", b" ")))
    folded = draw(st.booleans())
    line = name + b": " + (value[:40] + b"\r\n " + value[40:] if folded else value)
    return line if draw(st.booleans()) else line.replace(b": ", b" : ", 1)


@st.composite
def mime_part(draw: st.DrawFn, depth: int = 0) -> bytes:
    charset = draw(CHARSETS).encode("utf-8", "replace")
    encoding = draw(ENCODINGS).encode()
    multipart = depth < 15 and draw(st.integers(0, 3)) == 0
    if not multipart:
        kind = draw(st.sampled_from([b"text/plain", b"text/html", b"application/pdf",
                                     b"message/rfc822", b"image/png", b"text/x-junk"]))  # fmt: skip
        head = b"Content-Type: %s; charset=%s\r\nContent-Transfer-Encoding: %s\r\n" % (
            kind,
            charset,
            encoding,
        )
        if draw(st.booleans()):
            head += b'Content-Disposition: attachment; filename="%s"\r\n' % draw(TEXT)[:60]
        return head + b"\r\n" + draw(TEXT) + b"\r\n"
    boundary = draw(st.sampled_from([b"b", b"==b==", b"x" * 70, b"b%d" % depth, b""]))
    children = draw(st.lists(mime_part(depth + 1), max_size=4))
    close = draw(st.booleans())
    body = b"".join(b"--" + boundary + b"\r\n" + child for child in children)
    return (
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
        + draw(TEXT)[:50] + b"\r\n" + body + (b"--" + boundary + b"--\r\n" if close else b"")
    )  # fmt: skip


@st.composite
def hostile_message(draw: st.DrawFn) -> bytes:
    fields = draw(st.lists(header_field(), max_size=12))
    if draw(st.booleans()):
        fields.insert(0, b"From: Anna <anna@example.org>")
    head = b"\r\n".join(fields)
    return head + b"\r\n" + draw(mime_part())


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(hostile_message())
def test_reading_gives_a_message_or_a_reason(raw: bytes) -> None:
    try:
        reading = read_and_classify(raw, LIMITS, PROJECTS, ["support@ticketflow.localhost"])
    except MailRefused as refused:
        assert refused.reason  # kept with the reason: quarantine shows it
        return
    mail = reading.mail
    assert mail.message is None  # nothing heavy crosses back from a reader process
    for text in (mail.subject, mail.from_header, mail.from_addr, mail.body_text):
        assert "\x00" not in text  # PostgreSQL takes every stored field
    assert "\n" not in mail.subject and "\r" not in mail.from_header
    assert len(reading.digest) == 64


@FAST
@given(hostile_message(), st.lists(st.binary(max_size=80), max_size=4))
def test_trace_fields_added_on_the_way_keep_the_content_digest(
    raw: bytes, hops: list[bytes]
) -> None:
    """The same message by another path (Received fields more) is known as a copy."""
    try:
        mail = parse_mail(raw)
    except Exception:
        return
    trace = b"".join(b"Received: from " + h.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n"
                     for h in hops)  # fmt: skip
    try:
        relayed = parse_mail(trace + raw)
    except Exception:
        return
    assert content_digest(trace + raw, relayed) == content_digest(raw, mail) or (
        (relayed.from_header, relayed.subject, relayed.to_header, relayed.cc_header)
        != (mail.from_header, mail.subject, mail.to_header, mail.cc_header)
    )


@FAST
@given(st.integers(1, 60), st.integers(1, 400))
def test_the_shape_limits_hold_whatever_the_depth_and_breadth(depth: int, parts: int) -> None:
    nested = b"From: a@b.example\r\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(depth)
    ) + b"Content-Type: text/plain\r\n\r\nx\r\n" + b"".join(
        b"--n%d--\r\n" % i for i in reversed(range(depth))
    )  # fmt: skip
    wide = b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="w"\r\n\r\n' + (
        b"--w\r\nContent-Type: text/plain\r\n\r\nx\r\n" * parts
    ) + b"--w--\r\n"  # fmt: skip
    for raw, too_much in ((nested, depth > LIMITS.max_depth), (wide, parts > LIMITS.max_parts)):
        try:
            check_shape(raw, LIMITS)
        except MailUnreadable:
            assert too_much
        else:
            assert not too_much
