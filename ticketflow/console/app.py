"""The console's place in the API's application: its pages, its static files, and how a
refusal on a page reaches a person (a sign-in page, an error page) instead of JSON."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response

from ticketflow.console import help_pages, live, report_page
from ticketflow.console.pages import router
from ticketflow.console.rendering import SECURITY_HEADERS, render, static
from ticketflow.console.session import SignInNeeded, sign_in_url
from ticketflow.console.signin import router as sign_in_router

API_PATHS = ("/api/", "/healthz", "/docs", "/openapi.json", "/redoc")


def install(app: FastAPI) -> None:
    app.include_router(sign_in_router)
    app.include_router(router)
    app.include_router(live.router)
    app.include_router(help_pages.router)
    app.include_router(report_page.router)
    app.mount("/static", static, name="static")

    @app.exception_handler(SignInNeeded)
    async def to_sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(
            sign_in_url(exc.next_path), status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS
        )

    @app.exception_handler(HTTPException)
    async def refusal(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(API_PATHS):
            return await http_exception_handler(request, exc)
        page = render(
            request,
            "error.html.j2",
            None,
            exc.status_code,
            status_code_=exc.status_code,
            detail=exc.detail,
        )
        page.headers.update(exc.headers or {})  # a 503's Retry-After, a 401's challenge
        return page
