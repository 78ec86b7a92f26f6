"""How refusals reach whoever asked: the service's typed refusals as HTTP answers (a status
by kind, `{"detail": reason, "code": code}`), on the API's paths as JSON and elsewhere as
the console's pages (the page maker the app is built with).

While the read model's database is unreachable, every route answers 503 with Retry-After:
mail providers and MTAs deliver again, agents' clients try again. Nothing is stored in
that time, so nothing is lost, and a 500 would read as a bug of ours. The log says so once
a minute at most, naming the error's class only: the exception's text can carry SQL
parameters (addresses, subjects) that logs must never hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ticketflow.api.problems import STATUS_CODES, invalid_request
from ticketflow.service.refusals import (
    BadRequest,
    Forbidden,
    Invalid,
    NotFound,
    Refusal,
    Refused,
    TooLarge,
    TooMany,
    TryLater,
    Unsupported,
)

log = logging.getLogger("ticketflow.outages")
LOG_EVERY_SECONDS = 60.0
API_PATHS = ("/api/", "/healthz", "/docs", "/openapi.json", "/metrics")
# The HTTP status of each kind of refusal.
STATUSES: Mapping[type[Refusal], int] = {
    NotFound: 404,
    Forbidden: 403,
    Refused: 409,
    Invalid: 422,
    BadRequest: 400,
    TooLarge: 413,
    Unsupported: 415,
    TooMany: 429,
    TryLater: 503,
}
# A refusal shown as a page: the request, the status, the refusal (or an HTTP error's
# detail) and the headers it needs (a 503's Retry-After, a 401's challenge).
PageMaker = Callable[[Request, int, Refusal | str, Mapping[str, str]], Response]


def status_of(refusal: Refusal) -> int:
    return next(code for kind, code in STATUSES.items() if isinstance(refusal, kind))


def headers_of(refusal: Refusal) -> dict[str, str]:
    return {"Retry-After": str(refusal.after)} if isinstance(refusal, TryLater) else {}


def refusal_json(refusal: Refusal) -> JSONResponse:
    """The API's answer: the status of its kind, its reason and its stable code."""
    body = {"detail": refusal.reason, "code": refusal.code}
    return JSONResponse(body, status_of(refusal), headers=headers_of(refusal))


class CodedHTTPException(HTTPException):
    """A refusal answered with a status of the route's choosing (to a provider's webhook,
    the one that tells it not to deliver again), its code kept."""

    def __init__(self, status: int, refusal: Refusal) -> None:
        super().__init__(status, refusal.reason, headers=headers_of(refusal))
        self.code = refusal.code


def http_json(exc: StarletteHTTPException) -> Response:
    """An HTTP error of a route's (credentials, a provider's webhook, no such route) in
    the refusals' shape: its refusal's code, else its status's."""
    code = getattr(exc, "code", None) or STATUS_CODES.get(exc.status_code, "refused")
    body = {"detail": str(exc.detail), "code": code}
    return JSONResponse(body, exc.status_code, headers=exc.headers)


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


def install_error_handlers(app: FastAPI, page: PageMaker | None = None) -> None:
    """One handler for refusals: JSON on the API's paths, `page` on the others."""
    outages = OutageLog()

    def for_api(request: Request) -> bool:
        return page is None or request.url.path.startswith(API_PATHS)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        if for_api(request):
            return refusal_json(exc)
        assert page is not None
        return page(request, status_of(exc), exc, headers_of(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if for_api(request):
            return http_json(exc)
        assert page is not None
        return page(request, exc.status_code, str(exc.detail), exc.headers or {})

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = invalid_request(exc)
        if for_api(request):
            return JSONResponse(problem.model_dump(exclude_none=True), 422)
        assert page is not None
        return page(request, 422, problem.detail, {})

    async def database_unreachable(request: Request, exc: Exception) -> Response:
        # OperationalError: the connection, not our SQL (a constraint or a type is another
        # DBAPIError, and stays a 500 that says we have a bug).
        outages.refused(exc)
        return await refused(request, TryLater("database-unavailable"))

    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        Refusal: refused,
        StarletteHTTPException: http_error,
        RequestValidationError: invalid,
        OperationalError: database_unreachable,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
