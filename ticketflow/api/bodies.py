"""A request's body, read within a size limit: refused (413) as soon as it passes it, not
after it has all been read into memory."""

from __future__ import annotations

from fastapi import Request

from ticketflow.service.refusals import TooLarge


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
