"""While the read model's database is unreachable, every route answers 503 with
Retry-After: mail providers and MTAs deliver again, agents' clients try again. Nothing is
stored in that time, so nothing is lost, and a 500 would read as a bug of ours.

The log says so once a minute at most, naming the error's class only: the exception's text
can carry SQL parameters (addresses, subjects) that logs must never hold.
"""

from __future__ import annotations

import inspect
import logging
import time

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError

log = logging.getLogger("ticketflow.outages")
RETRY_AFTER_SECONDS = 30
LOG_EVERY_SECONDS = 60.0


class OutageLog:
    """One line per outage and minute, with how many requests it refused meanwhile."""

    def __init__(self) -> None:
        self._last = 0.0
        self._refused = 0

    def refused(self, error: BaseException) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._last >= LOG_EVERY_SECONDS:
            log.error(
                "read model unreachable (%s): %d requests refused with 503",
                type(error).__name__,
                self._refused,
            )
            self._last, self._refused = now, 0


def try_again_later(detail: str) -> HTTPException:
    """The 503 a route raises when Temporal (or another part) cannot be reached now."""
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def add_outage_handlers(app: FastAPI) -> None:
    outages = OutageLog()

    async def database_unreachable(request: Request, exc: Exception) -> Response:
        # OperationalError: the connection, not our SQL (a constraint or a type is another
        # DBAPIError, and stays a 500 that says we have a bug).
        outages.refused(exc)
        refusal = try_again_later("the ticket database is unreachable; try again later")
        # Answered as any refusal of this app is: JSON on the API, a page in the console.
        answer = app.exception_handlers.get(HTTPException, http_exception_handler)
        answered = answer(request, refusal)
        return await answered if inspect.isawaitable(answered) else answered

    app.add_exception_handler(OperationalError, database_unreachable)
