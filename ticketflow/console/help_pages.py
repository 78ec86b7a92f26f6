"""The customer form at /help: a problem-solving wizard per project and language. The
customer picks a topic, reads its help articles, and only then writes; while he types,
matching articles are suggested (the database's full-text search). What he sends is
taken in by the same intake as mail, and the page shows his ticket's number."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markdown_it import MarkdownIt

from ticketflow.api.bodies import read_form_data
from ticketflow.api.deps import ComponentsDep, TemporalClientDep
from ticketflow.api.errors import status_of
from ticketflow.components import Components
from ticketflow.console.i18n import LANGUAGES, language_of
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import check_csrf, cookie_settings
from ticketflow.service.intake import WebRequest, take_in_form
from ticketflow.service.passwords import (
    check_form_claims,
    form_claim_fields,
    record_form_claims,
)
from ticketflow.service.refusals import Invalid, NotFound, TooMany
from ticketflow.store.help_articles import help_languages, help_of, suggest
from ticketflow.store.models import HelpArticleRow

router = APIRouter(include_in_schema=False)
# Markdown as written by the desk's editors, without raw HTML: nothing in a help file
# becomes markup of its own.
MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})
FORM_COOKIE = "tf_form"
ATTACHMENTS = 3
Lang = Annotated[str | None, Query(max_length=8)]


def _project(components: Components, name: str) -> str:
    if name not in components.projects.names:
        raise NotFound("help-unknown", project=name)
    return name


def _language(components: Components, request: Request, project: str, asked: str | None) -> str:
    with components.sessions() as session:
        have = help_languages(session, project)
    chosen = language_of(asked, request.headers.get("accept-language"))
    if chosen in have or not have:
        return chosen
    return have[0]


def _topics_of(
    components: Components, project: str, language: str
) -> list[tuple[str, list[HelpArticleRow]]]:
    with components.sessions() as session:
        return _topics(help_of(session, project, language))


def _topics(articles: list[HelpArticleRow]) -> list[tuple[str, list[HelpArticleRow]]]:
    topics: dict[str, list[HelpArticleRow]] = {}
    for article in articles:
        topics.setdefault(article.topic, []).append(article)
    return list(topics.items())


def _page(
    request: Request, template: str, language: str, code: int = 200, **context: Any
) -> Response:
    return render(request, template, None, code, forced_language=language, **context)


@router.get("/help")
async def help_home(components: ComponentsDep) -> Response:
    projects = components.projects.names
    target = f"/help/{quote(projects[0])}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)


@router.get("/help/{project}")
async def help_topics(
    request: Request, project: str, components: ComponentsDep, lang: Lang = None
) -> Response:
    _project(components, project)
    language = await asyncio.to_thread(_language, components, request, project, lang)
    topics = await asyncio.to_thread(_topics_of, components, project, language)
    return _page(request, "help_topics.html.j2", language, project=project, topics=topics)


@router.get("/help/{project}/topic/{number}")
async def help_topic(
    request: Request, project: str, number: int, components: ComponentsDep, lang: Lang = None
) -> Response:
    _project(components, project)
    language = await asyncio.to_thread(_language, components, request, project, lang)
    topics = await asyncio.to_thread(_topics_of, components, project, language)
    if not 0 <= number < len(topics):
        raise NotFound("topic-unknown")
    topic, articles = topics[number]
    shown = [(a, MARKDOWN.render(a.body)) for a in articles]
    return _page(
        request,
        "help_topic.html.j2",
        language,
        project=project,
        topic=topic,
        number=number,
        articles=shown,
    )


@router.get("/help/{project}/suggest")
async def help_suggest(
    request: Request,
    project: str,
    components: ComponentsDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    lang: Lang = None,
) -> JSONResponse:
    """Articles that match what the customer has written so far, best first."""
    _project(components, project)
    language = await asyncio.to_thread(_language, components, request, project, lang)

    def found() -> list[dict[str, str]]:
        with components.sessions() as session:
            topics = [t for t, _ in _topics(help_of(session, project, language))]
            return [
                {
                    "title": a.title,
                    "topic": a.topic,
                    "url": f"/help/{quote(project)}/topic/{topics.index(a.topic)}"
                    f"?lang={language}#{a.slug}",
                }
                for a in suggest(session, project, language, q)
            ]

    return JSONResponse(await asyncio.to_thread(found), headers={"Cache-Control": "no-store"})


@router.get("/help/{project}/write")
async def help_write(
    request: Request,
    project: str,
    components: ComponentsDep,
    lang: Lang = None,
    topic: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    _project(components, project)
    language = await asyncio.to_thread(_language, components, request, project, lang)
    fields = form_claim_fields(components, project, topic)
    return _form_page(request, project, language, topic=topic, claim_fields=fields)


def _form_page(
    request: Request, project: str, language: str, code: int = 200, **context: Any
) -> Response:
    token = secrets.token_urlsafe(32)
    page = _page(
        request,
        "help_write.html.j2",
        language,
        code,
        project=project,
        csrf=token,
        attachments=ATTACHMENTS,
        **context,
    )
    page.set_cookie(FORM_COOKIE, token, max_age=3 * 3600, **cookie_settings(request))  # type: ignore[arg-type]
    return page


@router.post("/help/{project}/write")
async def help_send(
    request: Request, project: str, components: ComponentsDep, client: TemporalClientDep
) -> Response:
    _project(components, project)
    form = await read_form_data(request, components.settings.max_message_bytes)
    language = form.text("lang") if form.text("lang") in LANGUAGES else "ru"
    check_csrf(request.cookies.get(FORM_COOKIE), {"csrf": form.text("csrf")})
    web = WebRequest(
        project=project,
        name=form.text("name"),
        address=form.text("address"),
        subject=form.text("subject"),
        text=form.text("text"),
        topic=form.text("topic"),
        language=language,
        attachments=tuple(
            u for n, u in sorted(form.files.items()) if n.startswith("attachment") and u.data
        )[:ATTACHMENTS],
    )
    fields = form_claim_fields(components, project, web.topic)
    kept: dict[str, Any] = {"name": web.name, "address": web.address, "subject": web.subject}
    kept |= {"text": web.text, "topic": web.topic, "claim_fields": fields}
    # His claims never go into the mail: sealed onto its ticket apart, never shown again
    # (a refused form asks them anew).
    claims = {c.name: v for c in fields if (v := form.text(f"claim_{c.name}").strip())}
    peer = request.client.host if request.client else "unknown"
    try:
        check_form_claims(components, project, claims)
        result = await take_in_form(components, client, web, peer)
    except (Invalid, TooMany) as refused:
        # A mistake to set right, or a flood: the form again, as he filled it in.
        code = status_of(refused)
        return _form_page(request, project, language, code, error=refused.reason, **kept)
    if claims and result.ticket:
        await record_form_claims(components, client, result.ticket, claims)
    return _page(request, "help_sent.html.j2", language, project=project, result=result)
