"""The console's place in the API's application: its pages, its static files, and how a
refusal on a page reaches a person (a sign-in page, an error page in his language) instead
of JSON."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request, status
from fastapi.responses import RedirectResponse, Response

from ticketflow.console import (
    access_pages,
    bulk_pages,
    help_pages,
    incident_pages,
    live,
    report_page,
)
from ticketflow.console.pages import router
from ticketflow.console.rendering import SECURITY_HEADERS, render, static
from ticketflow.console.session import SignInNeeded, sign_in_url
from ticketflow.console.signin import router as sign_in_router
from ticketflow.service.refusals import Refusal


def install(app: FastAPI) -> None:
    app.include_router(sign_in_router)
    app.include_router(router)
    app.include_router(live.router)
    app.include_router(access_pages.router)
    app.include_router(bulk_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(help_pages.router)
    app.include_router(report_page.router)
    app.mount("/static", static, name="static")

    @app.exception_handler(SignInNeeded)
    async def to_sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(
            sign_in_url(exc.next_path), status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS
        )


def refusal_page(
    request: Request, code: int, refused: Refusal | str, headers: Mapping[str, str]
) -> Response:
    """A refusal as a page: what its status means and its reason, in the agent's language,
    with the headers it needs (a 503's Retry-After, a 401's challenge)."""
    page = render(request, "error.html.j2", None, code, status_code_=code, detail=refused)
    page.headers.update(headers)
    return page
