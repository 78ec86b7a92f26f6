"""Provider webhooks, with payloads shaped as Mailgun, Postmark and SendGrid document them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from email import message_from_bytes, policy

import httpx
import pytest
from sqlalchemy import func, select

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.store.models import Article, RawMessage, Ticket

SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"


def mailgun_signature(key: str = SIGNING_KEY, at: int | None = None) -> dict[str, str]:
    timestamp, token = str(at or int(time.time())), secrets.token_hex(25)
    digest = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": digest}


def mailgun_fields(**extra: str) -> dict[str, str]:
    """A parsed forward() POST: the original's headers as a JSON list, UTF-8 bodies."""
    headers = [
        ["Received", "by mxa.mailgun.org with SMTP"],
        ["From", "Ayşe Yılmaz <ayse@example.com.tr>"],
        ["To", "support@ticketflow.localhost"],
        ["Subject", "Şifremi unuttum"],
        ["Message-Id", "<mg-1@example.com.tr>"],
        ["Content-Type", 'multipart/alternative; boundary="xyz"'],
        ["Mime-Version", "1.0"],
    ]
    return {
        "recipient": "support@ticketflow.localhost",
        "sender": "ayse@example.com.tr",
        "from": "Ayşe Yılmaz <ayse@example.com.tr>",
        "subject": "Şifremi unuttum",
        "body-plain": "Merhaba, şifremi unuttum ve giriş yapamıyorum.",
        "body-html": "<p>Merhaba, <b>şifremi</b> unuttum ve giriş yapamıyorum.</p>",
        "stripped-text": "Merhaba, şifremi unuttum ve giriş yapamıyorum.",
        "message-headers": json.dumps(headers),
        **mailgun_signature(),
        **extra,
    }


async def stored(stack: Stack, number: str) -> tuple[Article, bytes]:
    with stack.components.sessions() as session:
        article, raw = session.execute(
            select(Article, RawMessage.raw)
            .join(RawMessage, Article.raw_message_id == RawMessage.id)
            .join(Ticket, Article.ticket_id == Ticket.id)
            .where(Ticket.number == number, Article.direction == "in")
            .order_by(Article.id.desc())
            .limit(1)
        ).one()
        return article, raw


def mailgun_stack(stack: Stack) -> Stack:
    stack.components.settings.mailgun_signing_key = SIGNING_KEY
    return stack


async def test_mailgun_parsed_post_with_signature_and_attachment(stack: Stack) -> None:
    stack = mailgun_stack(stack)
    fields = mailgun_fields(**{"attachment-count": "1"})
    files = {"attachment-1": ("ekran.png", b"\x89PNG\r\n\x1a\nfake", "image/png")}
    resp = await stack.http.post("/api/v1/inbound/mailgun", data=fields, files=files)
    assert resp.status_code == 202, resp.text
    article, raw = await stored(stack, resp.json()["ticket"])
    assert (article.subject, article.message_id) == ("Şifremi unuttum", "<mg-1@example.com.tr>")
    assert article.body_text.startswith("Merhaba, şifremi unuttum")
    rebuilt = message_from_bytes(raw, policy=policy.default)
    assert [p.get_filename() for p in rebuilt.iter_attachments()] == ["ekran.png"]


async def test_mailgun_raw_mime_and_urlencoded_forms(stack: Stack) -> None:
    stack = mailgun_stack(stack)
    raw = customer_mail(subject="Raw via Mailgun", message_id="<mg-raw@example.org>")
    fields = {"body-mime": raw.decode(), **mailgun_signature()}
    resp = await stack.http.post("/api/v1/inbound/mailgun", data=fields)  # urlencoded
    assert resp.status_code == 202, resp.text
    _, kept = await stored(stack, resp.json()["ticket"])
    assert kept == raw  # the raw message as Mailgun forwarded it


@pytest.mark.parametrize(
    "signature",
    [
        {"signature": "0" * 64},
        mailgun_signature(key="another-key"),
        mailgun_signature(at=int(time.time()) - 3600),  # a replay of an old request
        {},
    ],
)
async def test_mailgun_without_a_valid_signature_is_refused(
    stack: Stack, signature: dict[str, str]
) -> None:
    stack = mailgun_stack(stack)
    fields = {k: v for k, v in mailgun_fields().items() if k not in ("signature", "timestamp")}
    resp = await stack.http.post("/api/v1/inbound/mailgun", data=fields | signature)
    assert resp.status_code == 401
    assert resp.json()["detail"] == "missing or wrong Mailgun signature or X-Webhook-Secret"


def postmark_payload(**changes: object) -> dict[str, object]:
    """Postmark's inbound JSON, without RawEmail (the default)."""
    payload: dict[str, object] = {
        "FromName": "Иван Петров",
        "MessageStream": "inbound",
        "From": "ivan@example.ru",
        "FromFull": {"Email": "ivan@example.ru", "Name": "Иван Петров", "MailboxHash": ""},
        "To": "support@ticketflow.localhost",
        "ToFull": [{"Email": "support@ticketflow.localhost", "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "OriginalRecipient": "support@ticketflow.localhost",
        "Subject": "Не приходят письма",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "Date": "Tue, 24 Nov 2026 12:05:40 +0300",
        "TextBody": "Со вчерашнего дня не приходят письма.",
        "HtmlBody": "<p>Со вчерашнего дня не приходят письма.</p>",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": "<pm-1@example.ru>"},
            {"Name": "MIME-Version", "Value": "1.0"},
        ],
        "Attachments": [
            {
                "Name": "log.txt",
                "Content": base64.b64encode(b"error 550").decode(),
                "ContentType": "text/plain",
                "ContentLength": 9,
            }
        ],
    }
    return payload | changes


async def test_postmark_json_threads_by_the_rfc_message_id(stack: Stack) -> None:
    headers = {"X-Webhook-Secret": stack.components.webhook_secret}
    resp = await stack.http.post(
        "/api/v1/inbound/postmark", json=postmark_payload(), headers=headers
    )
    assert resp.status_code == 202, resp.text
    number = resp.json()["ticket"]
    article, _ = await stored(stack, number)
    assert article.message_id == "<pm-1@example.ru>"  # not Postmark's own MessageID
    assert article.body_text == "Со вчерашнего дня не приходят письма."
    reply = postmark_payload(
        Subject="Ещё вопрос",
        MessageID="9f1c0a2e-0000-0000-0000-000000000000",
        Headers=[
            {"Name": "Message-ID", "Value": "<pm-2@example.ru>"},
            {"Name": "In-Reply-To", "Value": "<pm-1@example.ru>"},
        ],
        Attachments=[],
    )
    # Credentials in the webhook URL, as Postmark sends them: HTTP Basic.
    auth = httpx.BasicAuth("postmark", stack.components.webhook_secret)
    resp = await stack.http.post("/api/v1/inbound/postmark", json=reply, auth=auth)
    assert (resp.json()["ticket"], resp.json()["created"]) == (number, False)


async def test_postmark_refusals(stack: Stack) -> None:
    resp = await stack.http.post("/api/v1/inbound/postmark", json=postmark_payload())
    assert resp.status_code == 401
    auth = httpx.BasicAuth("postmark", "wrong")
    resp = await stack.http.post("/api/v1/inbound/postmark", json=postmark_payload(), auth=auth)
    assert resp.status_code == 401
    headers = {"X-Webhook-Secret": stack.components.webhook_secret}
    resp = await stack.http.post("/api/v1/inbound/postmark", content=b"not json", headers=headers)
    assert (resp.status_code, resp.json()["detail"]) == (403, "the body is not JSON")


def sendgrid_multipart(fields: dict[str, bytes]) -> tuple[bytes, str]:
    """multipart/form-data as SendGrid's Inbound Parse posts it: field bytes as they are."""
    boundary = "xYzZY"
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def test_sendgrid_parsed_fields_in_their_charsets(stack: Stack) -> None:
    headers_block = (
        "Received: by mx0047p1mdw1.sendgrid.net\r\n"
        "From: =?koi8-r?b?8MXU0s/X?= <petrov@example.ru>\r\n"
        "To: support@ticketflow.localhost\r\n"
        "Subject: =?koi8-r?b?8MHSz8zY?=\r\n"
        "Message-ID: <sg-1@example.ru>\r\n"
        "Content-Type: text/plain; charset=koi8-r\r\n"
    )
    body, content_type = sendgrid_multipart(
        {
            "headers": headers_block.encode(),
            "text": "Не могу войти в почту".encode("koi8-r"),
            "from": b"petrov@example.ru",
            "to": b"support@ticketflow.localhost",
            "subject": "Пароль".encode("koi8-r"),
            "charsets": json.dumps(
                {"to": "UTF-8", "subject": "KOI8-R", "from": "UTF-8", "text": "KOI8-R"}
            ).encode(),
            "envelope": b'{"to":["support@ticketflow.localhost"],"from":"petrov@example.ru"}',
            "SPF": b"pass",
        }
    )
    auth = httpx.BasicAuth("sendgrid", stack.components.webhook_secret)
    resp = await stack.http.post(
        "/api/v1/inbound/sendgrid",
        content=body,
        headers={"Content-Type": content_type},
        auth=auth,
    )
    assert resp.status_code == 202, resp.text
    article, _ = await stored(stack, resp.json()["ticket"])
    assert (article.subject, article.message_id) == ("Пароль", "<sg-1@example.ru>")
    assert article.body_text == "Не могу войти в почту"


async def test_sendgrid_raw_email_field_is_kept_byte_exact(stack: Stack) -> None:
    raw = customer_mail(subject="Raw via SendGrid", message_id="<sg-raw@example.org>")
    body, content_type = sendgrid_multipart({"email": raw, "charsets": b'{"email": "UTF-8"}'})
    resp = await stack.http.post(
        "/api/v1/inbound/sendgrid",
        content=body,
        headers={"Content-Type": content_type, "X-Webhook-Secret": stack.components.webhook_secret},
    )
    assert resp.status_code == 202, resp.text
    _, kept = await stored(stack, resp.json()["ticket"])
    assert kept == raw

    async def routed() -> str:
        r = await stack.http.get(
            f"/api/v1/tickets/{resp.json()['ticket']}", headers=stack.auth("sam")
        )
        return str(r.json()["state"])

    await eventually(routed, lambda s: s == "first-line")


async def test_a_captured_mailgun_request_is_accepted_once(stack: Stack) -> None:
    stack = mailgun_stack(stack)
    signed = mailgun_signature()
    first = mailgun_fields() | signed
    resp = await stack.http.post("/api/v1/inbound/mailgun", data=first)
    assert resp.status_code == 202, resp.text
    # The same signature again, with the same body or with another one: refused for good.
    for body in (first, mailgun_fields(subject="Send your password here") | signed):
        again = await stack.http.post("/api/v1/inbound/mailgun", data=body)
        assert (again.status_code, again.json()["detail"]) == (
            406,
            "this signed request was already delivered",
        )
    with stack.components.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RawMessage)) == 1


async def test_a_mailgun_form_bomb_is_refused_before_it_is_parsed(stack: Stack) -> None:
    """60,000 fields: without a signing key the secret is asked for before the body is
    read; with one, the parts are counted before the form is parsed."""
    bomb = "&".join(f"f{i}=x" for i in range(60_000))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    unsigned = await stack.http.post("/api/v1/inbound/mailgun", content=bomb, headers=form)
    assert unsigned.status_code == 401
    signed = mailgun_stack(stack)
    resp = await signed.http.post("/api/v1/inbound/mailgun", content=bomb, headers=form)
    assert resp.status_code == 406 and "more than 500 form fields" in resp.json()["detail"]
    multipart = await signed.http.post(
        "/api/v1/inbound/mailgun", files={f"f{i}": "x" for i in range(600)}
    )
    assert multipart.status_code == 406 and "form fields" in multipart.json()["detail"]
