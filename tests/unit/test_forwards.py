"""Reading colleagues' forwards as each mail program writes them, and who counts as a
colleague: pure, no I/O beyond the fixture files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow.desk.projects import ProjectRules
from ticketflow.desk.reading import read_and_classify
from ticketflow.desk.staff import StaffSenders
from ticketflow.mail.authres import passed_for
from ticketflow.mail.bounded import MailLimits
from ticketflow.mail.forwards import Forward, Unreadable, forward_date, read_forward
from ticketflow.mail.parse import parse_mail

FORWARDS = Path(__file__).parents[1] / "support" / "forwards"
CUSTOMER = "anna.petrova@example.org"
AT_10_15_UTC = datetime(2026, 12, 1, 10, 15, tzinfo=UTC)  # the block gives no zone
AT_10_15_MSK = datetime(2026, 12, 1, 7, 15, tzinfo=UTC)  # 10:15 at +03:00
# Fixture -> (the original's subject starts, its date, the colleague's note starts).
INLINE = {
    "gmail-en": ("Cannot sign in", AT_10_15_UTC, "Please help this customer"),
    "gmail-ru": ("Не могу войти", AT_10_15_UTC, "Коллеги, помогите"),
    "outlook-en": ("Cannot sign in", AT_10_15_UTC, "Can you take this one?"),
    "outlook-en-original": ("Cannot sign in", AT_10_15_UTC, "Can you take this one?"),
    "outlook-ru": ("Не могу войти", AT_10_15_UTC, "Передаю в поддержку."),
    "apple-en": ("Cannot sign in", AT_10_15_MSK, "Forwarding from a customer."),
    "apple-ru": ("Не могу войти", AT_10_15_UTC, "Пересылаю письмо клиентки."),
    "thunderbird-en": ("Cannot sign in", AT_10_15_MSK, "For support."),
    "thunderbird-ru": ("Не могу войти", AT_10_15_MSK, "В поддержку."),
    "mailru": ("Не могу войти", AT_10_15_MSK, "Посмотрите, пожалуйста."),
    "yandex": ("Не могу войти", AT_10_15_UTC, "Посмотрите, пожалуйста."),
}


def _read(name: str) -> Forward | Unreadable:
    return read_forward(parse_mail((FORWARDS / f"{name}.eml").read_bytes()))


@pytest.mark.parametrize("name", sorted(INLINE))
def test_inline_forward_of_each_client_gives_the_customer_s_message(name: str) -> None:
    subject, written_at, note = INLINE[name]
    read = _read(name)
    assert isinstance(read, Forward), read
    original = read.original
    assert original.from_addr == CUSTOMER
    assert original.subject.startswith(subject)
    assert not original.subject.lower().startswith(("fwd", "fw:", "пересл"))
    assert read.written_at == written_at
    assert read.note.startswith(note)
    # The body is the customer's text alone: no header block, no colleague's words.
    first = original.body_text.splitlines()[0]
    assert first in ("Hello,", "Здравствуйте!")
    assert "Forwarded" not in original.body_text and "Пересылаемое" not in original.body_text
    assert note not in original.body_text
    assert original.message_id is None and original.message is None


def test_attached_original_is_read_whole_with_its_files() -> None:
    read = _read("attached-rfc822")
    assert isinstance(read, Forward)
    assert read.original.from_addr == CUSTOMER
    assert read.original.message_id == "<original-1@example.org>"
    assert read.original.subject == "Cannot sign in to my mailbox"
    assert read.written_at == AT_10_15_MSK
    assert read.note.startswith("Customer mail attached")
    assert [a.filename for a in read.original.attachments] == ["error.png"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("no-forward", "no forwarded message found"),
        ("outlook-name-only", "names no sender address (Anna Petrova)"),
    ],
)
def test_what_is_no_readable_forward_says_why(name: str, reason: str) -> None:
    read = _read(name)
    assert isinstance(read, Unreadable)
    assert reason in read.reason


def test_quoted_forward_lines_lose_their_quote_marks() -> None:
    raw = (
        b"From: ivan@staff.example\nSubject: Fwd: x\n\nsee\n\n"
        b"---------- Forwarded message ---------\nFrom: a@example.org\nSubject: x\n\n"
        b"> line one\n>\n> line two\n"
    )
    read = read_forward(parse_mail(raw))
    assert isinstance(read, Forward)
    assert read.original.body_text == "line one\n\nline two"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, Dec 1, 2026 at 10:15 PM", datetime(2026, 12, 1, 22, 15, tzinfo=UTC)),
        ("Monday, December 1, 2026 12:05 AM", datetime(2026, 12, 1, 0, 5, tzinfo=UTC)),
        ("1 мая 2026 г., 10:15", datetime(2026, 5, 1, 10, 15, tzinfo=UTC)),
        ("Tue, 1 Dec 2026 10:15:00 +0300", AT_10_15_MSK),
        ("01.12.26, 10:15", AT_10_15_UTC),
        ("yesterday", None),
        ("31 февраля 2026 г., 10:15", None),
    ],
)
def test_forward_dates(text: str, expected: datetime | None) -> None:
    assert forward_date(text) == expected


OURS = "mx.ticketflow.localhost"


@pytest.mark.parametrize(
    ("results", "passed"),
    [
        ([f"{OURS}; dmarc=pass header.from=staff.example"], True),
        ([f"{OURS}; dkim=pass header.d=staff.example header.s=s1"], True),
        ([f"{OURS}; dkim=pass header.i=@staff.example"], True),
        ([f"{OURS}; spf=pass smtp.mailfrom=ivan@staff.example"], True),
        ([f"{OURS} 1; dmarc=pass (p=reject) header.from=staff.example"], True),
        ([f"{OURS}; dmarc=fail header.from=staff.example"], False),
        ([f"{OURS}; dkim=pass header.d=evil.example"], False),
        ([f"{OURS}; spf=pass smtp.mailfrom=x@notstaff.example"], False),
        # Another server's field, or ours below another (a sender wrote it): not ours.
        (["mx.evil.example; dmarc=pass header.from=staff.example"], False),
        (["other.example; none", f"{OURS}; dmarc=pass header.from=staff.example"], False),
        ([], False),
    ],
)
def test_authentication_results(results: list[str], passed: bool) -> None:
    assert passed_for(results, OURS, "staff.example") is passed


def test_a_colleague_is_named_by_domain_or_address_and_must_authenticate() -> None:
    staff = StaffSenders(frozenset({"staff.example", "boss@example.org"}), OURS)
    signed = f"Authentication-Results: {OURS}; dmarc=pass header.from=staff.example\n"

    def sender(head: str) -> str | None:
        return staff.colleague(parse_mail(f"{head}Subject: s\n\nbody\n".encode()))

    assert sender(f"{signed}From: Ivan <Ivan@Staff.Example>\n") == "ivan@staff.example"
    assert sender("From: ivan@staff.example\n") is None  # nothing authenticated it
    assert sender(f"{signed}From: ivan@sub.staff.example\n") is None
    assert sender(f"{signed}From: anna@example.org\n") is None
    # Without an authserv-id, the desk trusts From (its documented choice).
    trusting = StaffSenders(frozenset({"boss@example.org"}))
    assert trusting.colleague(parse_mail(b"From: boss@example.org\n\nx\n")) == "boss@example.org"


def test_the_desk_may_send_no_automatic_reply_to_forwards() -> None:
    raw = (FORWARDS / "gmail-en.eml").read_bytes()
    for auto_reply in (True, False):
        staff = StaffSenders(frozenset({"staff.ticketflow.localhost"}), OURS, auto_reply)
        project = ProjectRules("mail", frozenset({"support@ticketflow.localhost"}), (), (), staff)
        reading = read_and_classify(raw, MailLimits(), [project], [])
        assert reading.forward is not None and reading.mail.from_addr == CUSTOMER
        assert (reading.found.no_auto_reply is None) is auto_reply
