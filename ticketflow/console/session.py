"""Who is signed in to the console: the session cookie (HttpOnly, SameSite=Strict, Secure
over TLS), the CSRF token every form carries, and the form bodies themselves (read with
the standard library, within a size limit)."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, quote

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from ticketflow.api.bodies import read_limited
from ticketflow.api.deps import ComponentsDep
from ticketflow.mail.parse import MailRefused
from ticketflow.mail.providers import Upload, parse_form
from ticketflow.service.refusals import BadRequest, Forbidden, Invalid, TooLarge, Unsupported
from ticketflow.store.sign_in import ConsoleSeat, SignInLimits, seat_for

COOKIE = "tf_session"
# Before sign-in there is no session: the sign-in form's CSRF token is this cookie's value
# (double submit), so another site cannot post a sign-in of its own choosing.
SIGN_IN_COOKIE = "tf_sign_in"
MAX_FORM_BYTES = 256 * 1024  # an answer's text and its fields, with room to spare
LIMITS = SignInLimits()


class SignInNeeded(Exception):
    """The page needs a signed-in agent: the handler sends the browser to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def cookie_settings(request: Request) -> dict[str, object]:
    """How the console's cookies are set: never readable by scripts, never sent by other
    sites, over TLS only where the console is served over TLS."""
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
        "path": "/",
    }


async def optional_seat(request: Request, components: ComponentsDep) -> ConsoleSeat | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    return await asyncio.to_thread(seat_for, components.sessions, token, LIMITS)


async def current_seat(
    request: Request, seat: Annotated[ConsoleSeat | None, Depends(optional_seat)]
) -> ConsoleSeat:
    if seat is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(path)
    return seat


Seat = Annotated[ConsoleSeat, Depends(current_seat)]


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the last of each name); 413 past the size limit, 415
    for another type."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise Unsupported("form-type")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise TooLarge("form-too-large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("form-encoding") from None
    try:
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=200))
    except ValueError:
        raise BadRequest("form-fields") from None


async def read_form_and_files(request: Request, limit: int) -> tuple[dict[str, str], list[Upload]]:
    """A form that may carry files (multipart/form-data, up to `limit` bytes: an agent's
    mail with its attachments): its fields and the files chosen in its `file` inputs. An
    urlencoded form is read as read_form reads it."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "multipart/form-data":
        return await read_form(request), []
    body = await read_limited(request, limit)
    try:
        form = parse_form(request.headers.get("content-type", ""), body)
    except MailRefused:
        raise BadRequest("form-fields") from None
    try:
        fields = {name: value.decode("utf-8") for name, value in form.fields.items()}
    except UnicodeDecodeError:
        raise BadRequest("form-encoding") from None
    # A file input left empty still sends a part: no name, no bytes.
    return fields, [f for f in form.files_named("file") if f.filename or f.data]


def check_csrf(expected: str | None, form: dict[str, str]) -> None:
    """The form carries its session's token (or the page's cookie's): it was made by one of
    our pages. No token to expect (a cookie missing) is a refusal, whatever the form says."""
    given = form.get("csrf", "")
    if not expected or not given or not hmac.compare_digest(given, expected):
        raise Forbidden("form-expired")


def sign_in_url(next_path: str) -> str:
    return f"/signin?next={quote(next_path, safe='')}"


B = TypeVar("B", bound=BaseModel)


def validated(body_type: type[B], fields: dict[str, Any]) -> B:
    """A form's fields as the body the service takes, or Invalid saying what is wrong."""
    try:
        return body_type.model_validate(fields)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        raise Invalid("form-invalid", reason=reason) from None
