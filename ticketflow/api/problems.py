"""The one shape of every answer the API refuses with, `{"detail", "code"}` (and, for a
request that does not validate, `errors`), and its statuses in OpenAPI: each route lists
the ones it can answer, so a client (and schemathesis in CI) knows them all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    """One field of a request that does not validate: where it is, and why."""

    loc: list[str | int] = Field(description="where: body, query, path or header, then names")
    msg: str
    type: str


class Problem(BaseModel):
    """Why a request was refused: `detail` for a person, `code` for a program (stable:
    `ticket-unknown`, `right-missing`, `owned`, `invalid-request`, ...)."""

    detail: str
    code: str
    errors: list[FieldProblem] | None = Field(
        default=None, description="for `invalid-request`: each field that does not validate"
    )


# The code of an HTTP status a route answers without a refusal of the service's (no or
# wrong credentials, a provider's webhook, a path that is no route).
STATUS_CODES: Mapping[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    429: "too-many",
    503: "unavailable",
}
DESCRIPTIONS: Mapping[int, str] = {
    400: "The request is not what the route takes (a cursor, a template, not mail)",
    401: "No credentials, or ones not accepted",
    403: "The caller lacks the right (a right in the ticket's queue, a role in the project); "
    "to Postmark: not mail, do not deliver again",
    404: "Nothing of that name the caller may see (the same answer either way)",
    406: "Refused for good: the provider is told not to deliver it again",
    409: "The state of things does not allow it now (the ticket's state, its owner)",
    413: "The body is larger than the route takes",
    415: "The body is not of a type the route takes",
    422: "A field does not validate: `errors` says which and why",
    429: "Too many requests from this client; `Retry-After` says when to try again",
    503: "The database or the ticket engine is unreachable; `Retry-After` says when to try again",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a router or route that may refuse with these statuses."""
    return {code: {"model": Problem, "description": DESCRIPTIONS[code]} for code in statuses}


# What every agent route may answer: the token (401), its parameters (422), its body's
# size (413, ticketflow.api.guards), the database or the engine out of reach (503).
AGENT_ROUTE = problems(401, 413, 422, 503)
# And one that takes a body: a body that is no JSON (400).
AGENT_BODY_ROUTE = AGENT_ROUTE | problems(400)


def invalid_request(error: RequestValidationError) -> Problem:
    """A request that does not validate, as a Problem: the first field's reason in
    `detail`, every field in `errors` (never the values sent: they can be anything)."""
    fields = [_field(e) for e in error.errors()]
    first = f"{'.'.join(map(str, fields[0].loc))}: {fields[0].msg}" if fields else "invalid"
    return Problem(detail=first, code="invalid-request", errors=fields)


def _field(error: Mapping[str, Any]) -> FieldProblem:
    loc: Sequence[Any] = error.get("loc", ())
    return FieldProblem(
        loc=[p if isinstance(p, int) else str(p) for p in loc],
        msg=str(error.get("msg", "")),
        type=str(error.get("type", "")),
    )
