"""Inbound mail from providers' webhooks (Mailgun, Postmark, SendGrid), as raw RFC 822.

Pure functions: request bodies in, the message's bytes out. Where the provider forwards
the raw message (Mailgun `body-mime`, Postmark `RawEmail`, SendGrid `email`) it is kept
as sent; otherwise the message is rebuilt from the provider's parsed fields with its
original header fields (Message-ID, In-Reply-To, References: threading needs them).
Form bodies are read with the standard library's `email` parser, which keeps each
field's bytes, so SendGrid's fields can be decoded in the charsets it names.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from typing import Any
from urllib.parse import parse_qsl

from ticketflow.mail.parse import MailRefused

# Fields a rebuilt message gets from its own MIME structure, not from the original's.
MIME_FIELDS = frozenset(
    {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}
)
FOLDING = re.compile(r"\r?\n[ \t]*")
# Mailgun signs each request with the time it sent it; older ones are refused as replays.
MAILGUN_MAX_AGE_SECONDS = 300
# Fields and files of one webhook form: a provider sends a few dozen fields and the
# message's attachments. Counted before the form is parsed, so a form of 60,000 fields
# costs a scan, not a parse.
MAX_FORM_PARTS = 500


class WebhookRefused(MailRefused):
    """The request is not what the provider documents; `reason` says why."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class FormData:
    fields: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)  # the last file of each name
    every_file: list[tuple[str, Upload]] = field(default_factory=list)  # all, in order

    def files_named(self, name: str) -> list[Upload]:
        return [u for n, u in self.every_file if n == name]

    def text(self, name: str, charset: object = "utf-8") -> str:
        """The field decoded in `charset` (a provider's label: anything may come), else
        as UTF-8 with replacement characters."""
        raw = self.fields.get(name)
        if raw is None:
            return ""
        try:
            return raw.decode(charset if isinstance(charset, str) else "utf-8")
        except (LookupError, UnicodeError, ValueError):
            return raw.decode("utf-8", errors="replace")


def parse_form(content_type: str, body: bytes) -> FormData:
    """`multipart/form-data` or `application/x-www-form-urlencoded`, fields kept as bytes."""
    kind = content_type.split(";")[0].strip().lower()
    form = FormData()
    if kind == "application/x-www-form-urlencoded":
        # latin-1 maps each %XX back to its byte: the fields stay bytes, as in multipart.
        try:
            pairs = parse_qsl(
                body.decode("ascii", "replace"),
                keep_blank_values=True,
                encoding="latin-1",
                max_num_fields=MAX_FORM_PARTS,
            )
        except ValueError as exc:
            raise WebhookRefused(f"more than {MAX_FORM_PARTS} form fields") from exc
        for key, value in pairs:
            form.fields[key] = value.encode("latin-1")
        return form
    if kind != "multipart/form-data":
        raise WebhookRefused("send the form as multipart/form-data or urlencoded")
    _refuse_many_parts(content_type, body)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.default).parsebytes(head + body)
    if not message.is_multipart():
        raise WebhookRefused("multipart/form-data without parts")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            form.files[name] = Upload(filename, part.get_content_type(), data)
            form.every_file.append((name, form.files[name]))
        else:
            form.fields[name] = data
    return form


def _refuse_many_parts(content_type: str, body: bytes) -> None:
    # The boundary as the email package reads it, so the count matches the parse after.
    boundary = policy.default.header_factory("Content-Type", content_type).params.get("boundary")
    if not boundary:
        raise WebhookRefused("multipart/form-data without a boundary")
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    if body.count(delimiter) > MAX_FORM_PARTS + 1:
        raise WebhookRefused(f"more than {MAX_FORM_PARTS} form fields")


def mailgun_signature_ok(
    signing_key: str, timestamp: str, token: str, signature: str, now: float
) -> bool:
    """HMAC-SHA256 of timestamp + token under the signing key, recent enough."""
    if not (signing_key and timestamp.isdigit() and token and signature):
        return False
    if abs(now - int(timestamp)) > MAILGUN_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(
        signing_key.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


def mailgun_mail(form: FormData) -> bytes:
    if "body-mime" in form.fields:
        return form.fields["body-mime"]
    try:
        headers = [(str(n), str(v)) for n, v in json.loads(form.text("message-headers") or "[]")]
    except (ValueError, TypeError) as exc:
        raise WebhookRefused("message-headers is not a JSON list of [name, value]") from exc
    if not headers:
        headers = [("From", form.text("from")), ("Subject", form.text("subject"))]
    names = [f"attachment-{i}" for i in range(1, len(form.files) + 1)]
    uploads = [form.files[name] for name in names if name in form.files]
    return build_mail(headers, form.text("body-plain"), form.text("body-html"), uploads)


def postmark_mail(payload: Any) -> bytes:
    if not isinstance(payload, dict):
        raise WebhookRefused("expected Postmark's inbound JSON object")
    raw = payload.get("RawEmail")
    if isinstance(raw, str) and raw:
        return raw.encode("utf-8", errors="surrogateescape")
    headers: list[tuple[str, str]] = []
    for name, key in (("From", "From"), ("To", "To"), ("Cc", "Cc"), ("Reply-To", "ReplyTo")):
        if _text(payload, key):
            headers.append((name, _text(payload, key)))
    headers += [("Subject", _text(payload, "Subject")), ("Date", _text(payload, "Date"))]
    # The RFC Message-ID, In-Reply-To, References come from Headers; Postmark's own
    # MessageID names its copy, not the mail, and threads nothing.
    for item in _objects(payload, "Headers"):
        if _text(item, "Name"):
            headers.append((_text(item, "Name"), _text(item, "Value")))
    uploads = []
    for item in _objects(payload, "Attachments"):
        try:
            data = base64.b64decode(_text(item, "Content"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WebhookRefused("an attachment's Content is not base64") from exc
        uploads.append(
            Upload(_text(item, "Name") or "attachment", _text(item, "ContentType"), data)
        )
    return build_mail(headers, _text(payload, "TextBody"), _text(payload, "HtmlBody"), uploads)


def _text(item: dict[str, Any], key: str) -> str:
    """A JSON field that should be a string; a number is written out, anything else is
    refused."""
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WebhookRefused(f"{key} must be a string")


def _objects(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise WebhookRefused(f"{key} must be a list of objects")
    return value


def sendgrid_mail(form: FormData) -> bytes:
    if "email" in form.fields:
        return form.fields["email"]
    try:
        charsets = json.loads(form.text("charsets") or "{}")
    except ValueError as exc:
        raise WebhookRefused("charsets is not JSON") from exc
    if not isinstance(charsets, dict):
        charsets = {}
    header_block = form.text("headers", charsets.get("headers", "utf-8"))
    parsed = HeaderParser(policy=policy.compat32).parsestr(header_block)
    headers = [(name, str(value)) for name, value in parsed.items()]
    if not headers:
        headers = [("From", form.text("from")), ("Subject", form.text("subject"))]
    text = form.text("text", charsets.get("text", "utf-8"))
    html = form.text("html", charsets.get("html", "utf-8"))
    uploads = [u for name, u in sorted(form.files.items()) if name.startswith("attachment")]
    return build_mail(headers, text, html, uploads)


def build_mail(
    headers: list[tuple[str, str]], text: str, html: str, attachments: list[Upload]
) -> bytes:
    """A message with the original's header fields and the provider's parsed parts."""
    msg = EmailMessage()
    if text:
        msg.set_content(text)
        if html:
            msg.add_alternative(html, subtype="html")
    elif html:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content("")
    # After the content: setting it drops every Content-* field (Content-Language too).
    for name, value in headers:
        if name.lower() in MIME_FIELDS or not value.strip():
            continue
        try:
            msg[name] = FOLDING.sub(" ", value).strip()
        except (ValueError, TypeError):
            continue  # a field the provider mangled: the message is still worth keeping
    for upload in attachments:
        maintype, _, subtype = (upload.content_type or "application/octet-stream").partition("/")
        msg.add_attachment(
            upload.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=upload.filename,
        )
    return msg.as_bytes()
