"""Inbound mail: a raw RFC 822 message, stored before it is answered."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status

from ticketflow.mailparse import MailRefused
from ticketflow.routes.deps import ComponentsDep, TemporalClientDep
from ticketflow.schemas import InboundResult
from ticketflow.ticket_service import TemporalUnavailable, accept_mail
from ticketflow.webhook_auth import secret_matches

log = logging.getLogger("ticketflow.inbound")
router = APIRouter(prefix="/api/v1/inbound", tags=["inbound"])
MAIL_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


@router.post(
    "/mail",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundResult,
    openapi_extra={"requestBody": {"content": {"message/rfc822": {"schema": {"type": "string"}}}}},
)
async def inbound_mail(
    request: Request,
    components: ComponentsDep,
    client: TemporalClientDep,
    content_type: Annotated[str, Header()] = "",
    x_webhook_secret: Annotated[str | None, Header()] = None,
) -> InboundResult:
    """Take one raw message (Content-Type: message/rfc822): a new ticket or an article of one."""
    settings = components.settings
    if not secret_matches(x_webhook_secret, components.webhook_secret):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-Webhook-Secret")
    if content_type.split(";")[0].strip().lower() not in MAIL_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the raw message as message/rfc822"
        )
    raw = await _read_limited(request, settings.max_message_bytes)
    try:
        result = await accept_mail(components, client, raw)
    except MailRefused as exc:
        log.warning("refused inbound message: %s", exc.reason)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.reason) from exc
    except TemporalUnavailable as exc:
        # Stored but not yet handed to its ticket: a redelivery, or the worker's sweep,
        # hands it over.
        log.error("inbound message stored, Temporal unreachable: %s", exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "message stored but its ticket could not be updated; deliver it again later",
        ) from exc
    return InboundResult(
        ticket=result.ticket_number, created=result.created, duplicate=result.duplicate
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"message larger than the limit of {limit} bytes"
    )
