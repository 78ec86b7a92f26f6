"""How the console's pages are made: its templates in the agent's language (or the
browser's), and the headers every page carries (a strict Content-Security-Policy: its own
script and stylesheet only, nothing inline, nothing from elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ticketflow.console.i18n import LANGUAGES, language_of, translations
from ticketflow.store.sign_in import ConsoleSeat

HERE = Path(__file__).resolve().parent
static = StaticFiles(directory=HERE / "static")
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
    return env


ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


def render(
    request: Request,
    template: str,
    seat: ConsoleSeat | None,
    status_code: int = 200,
    forced_language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page in the agent's language (else the browser's), or in `forced_language`."""
    chosen = seat.language if seat else None
    language = forced_language or language_of(chosen, request.headers.get("accept-language"))
    page = (
        ENVIRONMENTS[language]
        .get_template(template)
        .render(seat=seat, language=language, languages=LANGUAGES, path=request.url.path, **context)
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)
