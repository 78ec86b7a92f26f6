"""Signing in and out of the console, and the agent's choice of language."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from ticketflow.api.deps import ComponentsDep
from ticketflow.console.i18n import LANGUAGES
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import (
    COOKIE,
    LIMITS,
    SIGN_IN_COOKIE,
    Seat,
    check_csrf,
    cookie_settings,
    read_form,
)
from ticketflow.service.refusals import Invalid
from ticketflow.store.sign_in import SignInRefused, set_language, sign_in, sign_out

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path of ours: never another site after signing in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/signin")
async def sign_in_page(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    token = secrets.token_urlsafe(32)
    page = render(request, "signin.html.j2", None, next=_safe_next(next), csrf=token)
    page.set_cookie(SIGN_IN_COOKIE, token, max_age=3600, **cookie_settings(request))  # type: ignore[arg-type]
    return page


@router.post("/signin")
async def sign_in_submit(request: Request, components: ComponentsDep) -> Response:
    form = await read_form(request)
    check_csrf(request.cookies.get(SIGN_IN_COOKIE), form)
    client = request.client.host if request.client else "unknown"
    target = _safe_next(form.get("next"))
    try:
        token, _ = await asyncio.to_thread(
            sign_in,
            components.sessions,
            form.get("name", ""),
            form.get("password", ""),
            client,
            LIMITS,
        )
    except SignInRefused as refused:
        fresh = secrets.token_urlsafe(32)
        page = render(
            request,
            "signin.html.j2",
            None,
            status.HTTP_401_UNAUTHORIZED,
            next=target,
            csrf=fresh,
            error=refused,
            name=form.get("name", ""),
        )
        page.set_cookie(SIGN_IN_COOKIE, fresh, max_age=3600, **cookie_settings(request))  # type: ignore[arg-type]
        return page
    done = RedirectResponse(target, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)
    max_age = int(LIMITS.longest.total_seconds())
    done.set_cookie(COOKIE, token, max_age=max_age, **cookie_settings(request))  # type: ignore[arg-type]
    done.delete_cookie(SIGN_IN_COOKIE, path="/")
    return done


@router.post("/signout")
async def sign_out_submit(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    check_csrf(seat.csrf, await read_form(request))
    await asyncio.to_thread(sign_out, components.sessions, request.cookies.get(COOKIE, ""))
    done = RedirectResponse("/signin", status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)
    done.delete_cookie(COOKIE, path="/")
    return done


@router.post("/language")
async def choose_language(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    language = form.get("language", "")
    if language not in LANGUAGES:
        raise Invalid("language-unknown", language=language)
    await asyncio.to_thread(set_language, components.sessions, seat.agent.name, language)
    back = _safe_next(form.get("next"))
    return RedirectResponse(back, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)
