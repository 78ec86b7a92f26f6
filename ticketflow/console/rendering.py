"""How the console's pages are made: its templates in the agent's language (or the
browser's), and the headers every page carries (a strict Content-Security-Policy: its own
script and stylesheet only, nothing inline, nothing from elsewhere)."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from ticketflow.console.i18n import LANGUAGES, WORD_KINDS, language_of, translations, word
from ticketflow.console.quotes import split_quote
from ticketflow.console.times import moment
from ticketflow.service.policy import policy_of
from ticketflow.store.sign_in import ConsoleSeat
from ticketflow.tickets.lifecycle import State
from ticketflow.tickets.reasons import Reason
from ticketflow.tickets.rights import DeskRight

HERE = Path(__file__).resolve().parent


class CachedStatic(StaticFiles):
    """The stylesheet and script, kept by browsers for a year: their URLs carry a digest
    of the files (ASSETS), so a new release is a new URL. A page opens without asking
    for them again (the first line opens a ticket every few seconds)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


static = CachedStatic(directory=HERE / "static")
# The static files' digest, in their URLs (?v=): what makes caching them for long safe.
ASSETS = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted((HERE / "static").iterdir()))
).hexdigest()[:12]
# A page's own scripts and styles only: no inline script, nothing from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["word"] = partial(word, language)
    env.globals["said"] = partial(said, language)
    env.globals["moment"] = partial(moment, language)
    env.globals["assets"] = ASSETS
    env.globals["split_quote"] = split_quote
    env.globals["state_words"] = state_words(language)  # the same for every page
    return env


def state_words(language: str) -> str:
    """Each state's word, as JSON: the live page says a new state as the page does."""
    return json.dumps({s.value: word(language, "state", s.value) for s in State})


def _seat_context(request: Request, seat: ConsoleSeat | None) -> dict[str, Any]:
    """What every page of his shows by his rights: the zone his desk works in, and
    whether the Reports link leads anywhere for him."""
    if seat is None:
        return {"zone": "UTC", "may_report": False}
    policy = policy_of(request.app.state.components.projects)
    seats = policy.seats(seat.agent)
    return {
        "zone": seats[0].desk.zone if seats else "UTC",
        "may_report": bool(policy.with_right(seat.agent, DeskRight.REPORTS)),
    }


def said(language: str, why: Reason) -> str:
    """A refusal's reason in `language`: its message from the catalogue, its parameters
    filled in (those naming a state, an action or a right translated too)."""
    params = {
        name: word(language, name, str(value)) if name in WORD_KINDS else value
        for name, value in why.params.items()
    }
    message = translations(language).gettext(why.message)
    try:
        return message % params if params else message
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
        return str(why)


ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


def render(
    request: Request,
    template: str,
    seat: ConsoleSeat | None,
    status_code: int = 200,
    forced_language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page in the agent's language (else the browser's), or in `forced_language`;
    its times in `zone` (else his first project's), its links only where his rights lead."""
    chosen = seat.language if seat else None
    language = forced_language or language_of(chosen, request.headers.get("accept-language"))
    context = _seat_context(request, seat) | context
    page = (
        ENVIRONMENTS[language]
        .get_template(template)
        .render(seat=seat, language=language, languages=LANGUAGES, path=request.url.path, **context)
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)
