"""Attachments found in real message shapes, and filenames made safe (pure, no I/O)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from ticketflow.mail.attachments import MAX_FILENAME, safe_filename
from ticketflow.mail.parse import parse_mail


def mail_with_everything() -> bytes:
    forwarded = EmailMessage()
    forwarded["From"] = "boss@example.org"
    forwarded["Subject"] = "Quarterly report"
    forwarded.set_content("See attached.")
    msg = EmailMessage()
    msg["From"] = "anna@example.org"
    msg["Subject"] = "Screenshots"
    msg.set_content("The error is in the picture.")
    msg.add_alternative(
        '<p>The error is in the picture: <img src="cid:shot1@x"></p>', subtype="html"
    )
    html = msg.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(b"\x89PNG-inline", maintype="image", subtype="png", cid="<shot1@x>")
    msg.add_attachment(
        "Журнал ошибок".encode(), maintype="text", subtype="plain", filename="журнал.txt"
    )
    msg.add_attachment(
        b"%PDF-1.7", maintype="application", subtype="pdf", filename="../../etc/passwd"
    )
    msg.add_attachment(forwarded)
    return msg.as_bytes()


def test_attachments_inline_images_and_forwarded_mail_are_found() -> None:
    mail = parse_mail(mail_with_everything())
    assert mail.body_text == "The error is in the picture."
    found = [(a.filename, a.content_type, a.inline, a.content_id) for a in mail.attachments]
    assert found == [
        ("attachment-1.png", "image/png", True, "shot1@x"),
        ("журнал.txt", "text/plain", False, None),
        ("passwd", "application/pdf", False, None),
        ("Quarterly report.eml", "message/rfc822", False, None),
    ]
    assert mail.attachments[1].data == "Журнал ошибок".encode()
    assert b"See attached." in mail.attachments[3].data


def test_a_plain_message_has_no_attachments() -> None:
    raw = b"From: a@b.c\r\nSubject: hi\r\n\r\nJust text.\r\n"
    assert parse_mail(raw).attachments == []


@pytest.mark.parametrize(
    ("name", "content_type", "safe"),
    [
        ("report.pdf", "application/pdf", "report.pdf"),
        ("C:\\Users\\anna\\Desktop\\shot.png", "image/png", "shot.png"),
        ("../../../etc/passwd", "text/plain", "passwd"),
        ("a\x00b\x1f<c>|d?.txt", "text/plain", "a_b_c_d_.txt"),
        ("   ...   ", "image/jpeg", "attachment-3.jpg"),
        (None, "message/rfc822", "attachment-3.eml"),
        (None, "application/x-unknown-thing", "attachment-3.bin"),
        ("Şifre ekran görüntüsü.png", "image/png", "Şifre ekran görüntüsü.png"),
    ],
)
def test_safe_filenames(name: str | None, content_type: str, safe: str) -> None:
    assert safe_filename(name, content_type, 3) == safe


def test_long_filenames_keep_their_extension() -> None:
    name = safe_filename("x" * 500 + ".docx", "application/octet-stream", 1)
    assert len(name) == MAX_FILENAME and name.endswith(".docx")


@pytest.mark.parametrize(
    ("charset", "name"),
    [
        ("koi8-r", "Счёт за март.pdf"),
        ("windows-1251", "Счёт за март.pdf"),
        ("gb2312", "绩效管理.pdf"),
    ],
)
def test_an_unencoded_8bit_filename_is_read_in_the_message_charset(charset: str, name: str) -> None:
    # Outlook Express and many web mailers write the name's bytes as they are, unencoded.
    raw = (
        b"From: a@b.c\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset="
        + charset.encode()
        + b"\r\n\r\n"
        + "Добрый день".encode(charset, errors="ignore")
        + b"\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b' filename="' + name.encode(charset) + b'"\r\n\r\n%PDF\r\n--b--\r\n'
    )
    [attachment] = parse_mail(raw).attachments
    assert attachment.filename == name
