"""Reading a forwarded message: the customer's mail a colleague sent on to support.

Pure functions over a parsed message. A forward comes two ways: the original attached
whole (`message/rfc822`, what "forward as attachment" makes), or quoted inline under a
separator line and a small header block, written differently by every mail program:

- Gmail: ``---------- Forwarded message ---------`` (Russian: ``Пересылаемое сообщение``),
  then ``From:``, ``Date:``, ``Subject:``, ``To:``;
- Outlook: ``-----Original Message-----`` or a line of underscores, then ``From:``,
  ``Sent:``, ``To:``, ``Subject:`` (Russian: ``От:``, ``Отправлено:``, ``Кому:``, ``Тема:``);
- Apple Mail: ``Begin forwarded message:`` (Russian: ``Начало переадресованного
  сообщения:``), then ``From:``/``От кого:``, ``Subject:``, ``Date:``, ``To:``;
- Thunderbird: ``-------- Forwarded Message --------`` (``Пересылаемое сообщение``), then
  ``Subject:``, ``Date:``, ``From:``, ``To:`` with tabs after the colons;
- Russian web mail (Mail.ru, Yandex): ``-------- Пересылаемое сообщение --------`` then
  either that header block or one line ``01.12.2026, 10:15, "Name" <addr>:``.

What cannot be read says why (`Unreadable`), so the ticket stays the colleague's with a
hint instead of becoming the wrong person's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import parsedate_to_datetime

from ticketflow.mail.parse import ParsedMail, mailbox_of, parse_mail

# A separator line that opens a forwarded block (any case, any number of dashes).
SEPARATOR = re.compile(
    r"^\s*(?:-{2,}|_{2,})?\s*(?:"
    r"forwarded message|original message|begin forwarded message|"
    r"пересылаемое сообщение|исходное сообщение|переадресованное сообщение|"
    r"начало переадресованного сообщения|пересланное сообщение"
    r")\s*:?\s*(?:-{2,})?\s*$",
    re.IGNORECASE,
)
# Outlook's plain-text forward may open with a line of underscores and no title.
UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
# The header block's names, in the languages the clients write them, to what they mean.
FIELDS = {
    "from": "from",
    "от": "from",
    "от кого": "from",
    "отправитель": "from",
    "date": "date",
    "sent": "date",
    "дата": "date",
    "отправлено": "date",
    "subject": "subject",
    "тема": "subject",
    "to": "to",
    "кому": "to",
    "cc": "cc",
    "копия": "cc",
    "reply-to": "reply-to",
}
FIELD_LINE = re.compile(r"^\s*\*?([A-Za-zА-Яа-яЁё -]{1,20}?)\*?\s*:\s*(.*)$")
# Mail.ru's and Yandex's one line: `01.12.2026, 10:15, "Name" <addr>:`.
WHO_WROTE = re.compile(
    r"^\s*(\d{1,2}\.\d{1,2}\.\d{2,4}),?\s+(\d{1,2}:\d{2})(?::\d{2})?,?\s+(.*<[^<>@\s]+@[^<>\s]+>)\s*:\s*$"
)
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:fwd?|fw|forward|пересл|переслано|пересылка|tr|wg|i)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
QUOTED = re.compile(r"^> ?")
# How far below a separator the header block may begin (blank lines, a title).
MAX_LINES_TO_FIELDS = 3

EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Russian months as dates write them (the genitive: "декабря"), by their stems; and May.
RU_MONTHS = ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
MONTHS = {
    **{m: n for n, m in enumerate(EN_MONTHS, 1)},
    **{m: n for n, m in enumerate(RU_MONTHS, 1)},
    "май": 5,
}
# "Mon, Dec 1, 2026 at 10:15 AM", "Monday, December 1, 2026 10:15 AM",
# "1 декабря 2026 г., 10:15", "пн, 1 дек. 2026 г. в 10:15".
WORDY_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-zА-Яа-яё]{3,})\.?\s+(?P<y1>\d{4})"
    r"|(?P<m2>[A-Za-z]{3,})\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4}))"
    r"\D*?(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:GMT|UTC)?\s*(?P<tz>[+-]\d{1,2}(?::?\d{2})?))?"
)
# RFC 5322's date (Thunderbird's and an attached original's): "Mon, 1 Dec 2026 10:15:00 +0300".
RFC_DATE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2,4}),?\s+(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Forward:
    """The customer's message as forwarded, and what the colleague wrote above it."""

    original: ParsedMail
    note: str
    written_at: datetime | None  # when the customer wrote it, when the forward says


@dataclass(frozen=True)
class Unreadable:
    reason: str


def read_forward(mail: ParsedMail) -> Forward | Unreadable:
    """The forwarded message in `mail` (its attached original first, else the first
    inline block), or why none could be read."""
    attached = _attached_original(mail.message)
    if attached is not None:
        try:
            original = parse_mail(attached.as_bytes())
        except Exception:  # a broken original is read no further; the forward stays as it is
            return Unreadable("the attached message could not be read")
        if not original.from_addr:
            return Unreadable("the attached message names no sender address")
        return Forward(original, mail.body_text.strip(), _date(original.message))
    return _inline(mail)


def _attached_original(message: Message | None) -> Message | None:
    if message is None or not message.is_multipart():
        return None
    for part in message.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0]
    return None


def _date(message: Message | None) -> datetime | None:
    value = message.get("Date") if message is not None else None
    return _rfc_date(str(value)) if value else None


def _inline(mail: ParsedMail) -> Forward | Unreadable:
    lines = mail.body_text.replace("\r\n", "\n").split("\n")
    start = _block_start(lines)
    if start is None:
        return Unreadable("no forwarded message found in it")
    fields, body_from = _fields(lines, start)
    sender = fields.get("from", "")
    address = mailbox_of(sender) if sender else ""
    if not address:
        named = f" ({sender})" if sender else ""
        return Unreadable(f"the forwarded message's header names no sender address{named}")
    subject = fields.get("subject") or SUBJECT_PREFIX.sub("", mail.subject).strip()
    body = _unquoted(lines[body_from:])
    note = "\n".join(lines[:start]).strip()
    original = replace(
        mail,
        message_id=None,
        subject=subject,
        from_header=" ".join(sender.split()),
        from_addr=address,
        to_header=fields.get("to", ""),
        cc_header=fields.get("cc", ""),
        in_reply_to=None,
        references=[],
        body_text=body,
        body_html="",  # the colleague's HTML holds both texts; the original's is the text
        html_unshown="",
        automation_headers={},
        is_bounce=False,
        bounce_of=[],
        message=None,
        content_language="",
    )
    return Forward(original, note, forward_date(fields.get("date", "")))


def _block_start(lines: list[str]) -> int | None:
    """The index of the forwarded block's separator (or of Outlook's bare `From:` block)."""
    for index, line in enumerate(lines):
        if SEPARATOR.match(line) or UNDERSCORES.match(line):
            return index
        if _field(line) == "from" and _field_near(lines, index + 1, {"date"}):
            return index  # Outlook without a separator: From:, then Sent: below
    return None


def _field(line: str) -> str | None:
    match = FIELD_LINE.match(line)
    return FIELDS.get(" ".join(match.group(1).lower().split())) if match else None


def _field_near(lines: list[str], start: int, wanted: set[str]) -> bool:
    return any(_field(line) in wanted for line in lines[start : start + 4])


def _fields(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The header block under the separator at `start` and where the body begins."""
    fields: dict[str, str] = {}
    opened = SEPARATOR.match(lines[start]) or UNDERSCORES.match(lines[start])
    index = start + 1 if opened else start
    skipped = 0
    while index < len(lines) and not lines[index].strip() and skipped < MAX_LINES_TO_FIELDS:
        index, skipped = index + 1, skipped + 1
    if index < len(lines):
        wrote = WHO_WROTE.match(lines[index])
        if wrote:
            fields["from"] = wrote.group(3)
            fields["date"] = f"{wrote.group(1)} {wrote.group(2)}"
            return fields, index + 1
    last: str | None = None
    while index < len(lines):
        line = lines[index]
        name = _field(line)
        if name is not None and name not in fields:
            fields[name] = FIELD_LINE.match(line).group(2).strip()  # type: ignore[union-attr]
            last = name
        elif last is not None and line[:1] in (" ", "\t") and line.strip():
            fields[last] += " " + line.strip()  # a folded value
        else:
            break
        index += 1
    return fields, index


def _unquoted(lines: list[str]) -> str:
    """The original's text: without the "> " some clients put before every line."""
    text = list(lines)
    filled = [line for line in text if line.strip()]
    if filled and all(QUOTED.match(line) for line in filled):
        text = [QUOTED.sub("", line) for line in text]
    return "\n".join(text).strip()


def forward_date(text: str) -> datetime | None:
    """When the forwarded block says the original was written, in UTC; None when it
    cannot be read (a zone not given is taken as UTC)."""
    text = " ".join(text.split())
    if not text:
        return None
    if RFC_DATE.match(text):
        return _rfc_date(text)
    wordy = WORDY_DATE.search(text)
    if wordy:
        day = wordy.group("d1") or wordy.group("d2")
        year = wordy.group("y1") or wordy.group("y2")
        month = MONTHS.get((wordy.group("m1") or wordy.group("m2")).lower()[:3])
        hour = int(wordy.group("h"))
        ampm = (wordy.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        return _at(int(year), month, int(day), hour, int(wordy.group("mi")), wordy.group("tz"))
    dotted = DOTTED_DATE.search(text)
    if dotted:
        day, month, year, hour, minute = (int(g) for g in dotted.groups())
        return _at(year + 2000 if year < 100 else year, month, day, hour, minute, None)
    return None


def _rfc_date(text: str) -> datetime | None:
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if found is None:
        return None
    return (found if found.tzinfo else found.replace(tzinfo=UTC)).astimezone(UTC)


def _at(
    year: int, month: int | None, day: int, hour: int, minute: int, zone: str | None
) -> datetime | None:
    if month is None:
        return None
    offset = UTC
    if zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        if len(digits) <= 2:
            digits = digits.zfill(2) + "00"
        digits = digits.zfill(4)
        offset = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(year, month, day, hour, minute, tzinfo=offset).astimezone(UTC)
    except ValueError:
        return None
