"""A request's body, read within a size limit: refused (413) as soon as it passes it, not
after it has all been read into memory."""

from __future__ import annotations

from fastapi import Request

from ticketflow.mail.parse import MailRefused
from ticketflow.mail.providers import FormData, parse_form
from ticketflow.service.refusals import BadRequest, TooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> TooLarge:
    return TooLarge("message-too-large", limit=limit)


async def read_form_data(request: Request, limit: int) -> FormData:
    """A form with files (multipart/form-data, or urlencoded) within `limit` bytes; 400
    with the reason for what is no such form."""
    body = await read_limited(request, limit)
    try:
        return parse_form(request.headers.get("content-type", ""), body)
    except MailRefused as exc:
        raise BadRequest("not-mail", reason=exc.reason) from None
