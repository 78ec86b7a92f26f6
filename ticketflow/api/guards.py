"""Refusals before a body is read: an agent route without credentials gets its 401 at
once, and an agent's JSON body is capped, so no one can make the API read or hold a large
body for free. (Inbound mail has its own bounded readers behind the webhook secret.)"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

from ticketflow.api.problems import STATUS_CODES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

AGENT_ROUTES = "/api/v1/"
INBOUND_ROUTES = "/api/v1/inbound/"
# Agents send notes and answers (100,000 characters at most, as UTF-8) and small bodies.
MAX_AGENT_BODY_BYTES = 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised while the route reads the body: FastAPI answers it as it is, a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"a body of at most {limit} bytes")


class AgentRequestGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_AGENT_BODY_BYTES) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(AGENT_ROUTES):
            return await self.app(scope, receive, send)
        if path.startswith(INBOUND_ROUTES):
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if b"authorization" not in headers:
            return await _answer(send, 401, "missing bearer token", {"www-authenticate": "Bearer"})
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            return await _answer(send, 413, f"a body of at most {self.max_body} bytes")
        seen = 0

        async def bounded() -> Message:
            # Chunked bodies carry no length: count what actually arrives.
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, bounded, send)


async def _answer(
    send: Send, status: int, detail: str, extra: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail, "code": STATUS_CODES[status]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
