"""Inbound mail over HTTP: a raw RFC 822 message, or a provider's webhook. Each message
is stored before it is answered.

Every route is authenticated: the webhook secret (header `X-Webhook-Secret`, or the
password of HTTP Basic credentials, which providers put in the webhook URL), or for
Mailgun its request signature.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, HTTPException, Query, Request, status

from ticketflow.api.bodies import read_limited
from ticketflow.api.deps import ComponentsDep, TemporalClientDep
from ticketflow.api.errors import CodedHTTPException
from ticketflow.api.problems import problems
from ticketflow.components import Components
from ticketflow.mail.providers import (
    MAILGUN_MAX_AGE_SECONDS,
    FormData,
    WebhookRefused,
    mailgun_mail,
    mailgun_signature_ok,
    parse_form,
    postmark_mail,
    sendgrid_mail,
)
from ticketflow.mail.webhook_auth import secret_matches
from ticketflow.service.intake import take_in_mail
from ticketflow.service.refusals import BadRequest, Refused, TryLater
from ticketflow.service.shapes import InboundResult
from ticketflow.store.webhook_tokens import Claim

T = TypeVar("T")
log = logging.getLogger("ticketflow.inbound")
# 401: no or wrong webhook secret (or Mailgun signature); 413: past the message size
# limit; 503: the database unreachable (nothing kept), or the message kept but the
# ticket engine unreachable (deliver again: it is not taken twice).
router = APIRouter(
    prefix="/api/v1/inbound", tags=["inbound"], responses=problems(401, 413, 422, 503)
)
MAIL_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")
SecretHeader = Annotated[str | None, Header()]
# Codes that tell a provider to give up on a message instead of retrying it for hours.
MAILGUN_REJECT = status.HTTP_406_NOT_ACCEPTABLE
MAILGUN = "mailgun"
POSTMARK_REJECT = status.HTTP_403_FORBIDDEN


@router.post(
    "/mail",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundResult,
    responses=problems(400, 415),
    openapi_extra={"requestBody": {"content": {"message/rfc822": {"schema": {"type": "string"}}}}},
)
async def inbound_mail(
    request: Request,
    components: ComponentsDep,
    client: TemporalClientDep,
    x_webhook_secret: SecretHeader = None,
    recipient: Annotated[list[str] | None, Query()] = None,
) -> InboundResult:
    """Take one raw message (Content-Type: message/rfc822): a new ticket or an article of one.
    `recipient` (repeatable): the envelope recipients, for routing rules."""
    _require_secret(components, request, x_webhook_secret)
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() not in MAIL_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the raw message as message/rfc822"
        )
    raw = await read_limited(request, components.settings.max_message_bytes)
    return await _accept(
        components, client, raw, "mail", status.HTTP_400_BAD_REQUEST, recipient or []
    )


@router.post(
    "/mailgun",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundResult,
    responses=problems(406),
)
async def inbound_mailgun(
    request: Request,
    components: ComponentsDep,
    client: TemporalClientDep,
    x_webhook_secret: SecretHeader = None,
) -> InboundResult:
    """Mailgun's forward() of a route: parsed fields, or `body-mime` for a URL ending in
    `mime`. Authenticated by its signature (TICKETFLOW_MAILGUN_SIGNING_KEY) or the secret.
    Mail refused as not mail gets 406, which tells Mailgun not to retry."""
    # The signature is inside the form, so the form must be read to check it; without a
    # signing key only the secret can pass, and it is checked before the body is read.
    # Either way the body is read bounded in bytes and form parts.
    if not components.settings.mailgun_signing_key:
        _require_secret(components, request, x_webhook_secret)
    body = await read_limited(request, components.settings.max_message_bytes)
    form = await _form(request, body, MAILGUN_REJECT)
    token = form.text("token")
    signed = mailgun_signature_ok(
        components.settings.mailgun_signing_key,
        form.text("timestamp"),
        token,
        form.text("signature"),
        time.time(),
    )
    if not signed:
        _require_secret(components, request, x_webhook_secret, "Mailgun signature")
    raw = await _built(mailgun_mail, form, MAILGUN_REJECT)
    # A captured request sent again (at once, or later), with this body or another one,
    # is refused: its token is claimed as the message is kept. Mailgun's own retries of a
    # delivery we kept are refused harmlessly: the message is kept.
    claim = Claim(MAILGUN, token, timedelta(seconds=2 * MAILGUN_MAX_AGE_SECONDS))
    recipients = form.text("recipient").split(",")
    return await _accept(
        components, client, raw, MAILGUN, MAILGUN_REJECT, recipients, claim if signed else None
    )


@router.post(
    "/postmark",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundResult,
    responses=problems(403),
)
async def inbound_postmark(
    request: Request,
    components: ComponentsDep,
    client: TemporalClientDep,
    x_webhook_secret: SecretHeader = None,
) -> InboundResult:
    """Postmark's inbound JSON (`RawEmail` when it is included). Mail refused as not mail
    gets 403, which tells Postmark not to retry."""
    _require_secret(components, request, x_webhook_secret)
    body = await read_limited(request, components.settings.max_message_bytes)
    try:
        payload = await asyncio.to_thread(json.loads, body)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested past reason
        raise HTTPException(POSTMARK_REJECT, "the body is not JSON") from exc
    raw = await _built(postmark_mail, payload, POSTMARK_REJECT)
    return await _accept(components, client, raw, "postmark", POSTMARK_REJECT)


@router.post(
    "/sendgrid",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundResult,
    responses=problems(400),
)
async def inbound_sendgrid(
    request: Request,
    components: ComponentsDep,
    client: TemporalClientDep,
    x_webhook_secret: SecretHeader = None,
) -> InboundResult:
    """SendGrid Inbound Parse: the raw `email` field, or parsed fields in their `charsets`."""
    _require_secret(components, request, x_webhook_secret)
    body = await read_limited(request, components.settings.max_message_bytes)
    form = await _form(request, body, status.HTTP_400_BAD_REQUEST)
    raw = await _built(sendgrid_mail, form, status.HTTP_400_BAD_REQUEST)
    return await _accept(components, client, raw, "sendgrid", status.HTTP_400_BAD_REQUEST)


def _require_secret(
    components: Components,
    request: Request,
    header: str | None,
    alternative: str = "",
) -> None:
    """The webhook secret, from X-Webhook-Secret or as the password of Basic credentials."""
    expected = components.webhook_secret
    if secret_matches(header, expected) or secret_matches(_basic_password(request), expected):
        return
    wanted = f"{alternative} or X-Webhook-Secret" if alternative else "X-Webhook-Secret"
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing or wrong {wanted}")


def _basic_password(request: Request) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return None


async def _form(request: Request, body: bytes, refuse_status: int) -> FormData:
    """The form, parsed off the event loop (its parts were counted first)."""
    content_type = request.headers.get("content-type", "")
    try:
        return await asyncio.to_thread(parse_form, content_type, body)
    except WebhookRefused as exc:
        raise HTTPException(refuse_status, exc.reason) from exc


async def _built(build: Callable[[T], bytes], data: T, refuse_status: int) -> bytes:
    """The message a provider's fields make, built off the event loop."""
    try:
        return await asyncio.to_thread(build, data)
    except WebhookRefused as exc:
        log.warning("refused webhook: %s", exc.reason)
        raise HTTPException(refuse_status, exc.reason) from exc
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError) as exc:
        # Fields of the right types holding what no message can (lone surrogates,
        # unencodable header text, JSON nested past reason): a refusal the provider will
        # not retry.
        log.warning("refused webhook: fields that make no message (%s)", type(exc).__name__)
        raise HTTPException(refuse_status, "the payload's fields do not make a message") from exc


async def _accept(
    components: Components,
    client: TemporalClientDep,
    raw: bytes,
    source: str,
    refuse_status: int,
    envelope_to: list[str] | None = None,
    claim: Claim | None = None,
) -> InboundResult:
    """Through the service's intake; what is no mail, or a signed request sent again, is
    refused with the status that tells this provider not to retry."""
    try:
        return await take_in_mail(components, client, raw, envelope_to or [], source, claim)
    except (BadRequest, Refused) as exc:
        log.warning("refused inbound message: %s", exc.reason)
        raise CodedHTTPException(refuse_status, exc) from exc
    except TryLater:
        # Stored but not yet handed to its ticket: a redelivery, or the worker's sweep,
        # hands it over.
        log.error("inbound message stored, Temporal unreachable")
        raise
