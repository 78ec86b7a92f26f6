"""The console's pages. Each reads through the API's own route functions (the same rights,
projects and queries) and acts through the same action service: the console is another
face of the API, never a second path to the workflows."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from ticketflow.api.access import access_ticket, may_see
from ticketflow.api.deps import ComponentsDep, RowId, TemporalClientDep
from ticketflow.api.routes.actions import act_on_ticket, run_macro_on_ticket
from ticketflow.api.routes.attachments import download_attachment
from ticketflow.api.routes.desk import get_desk, get_me
from ticketflow.api.routes.queues import list_queues
from ticketflow.api.routes.search import search
from ticketflow.api.routes.tickets import (
    get_escalations,
    get_macros,
    get_ticket,
    get_tickets,
    post_preview,
)
from ticketflow.api.schemas import (
    ACTION_BODIES,
    DeskOut,
    MacroList,
    PreviewBody,
    QueueOut,
    TicketDetail,
)
from ticketflow.components import Components
from ticketflow.console.i18n import LANGUAGES, language_of, translations
from ticketflow.console.session import (
    COOKIE,
    LIMITS,
    SIGN_IN_COOKIE,
    Seat,
    check_csrf,
    cookie_settings,
    optional_seat,
    read_form,
)
from ticketflow.store.console_views import Overview, customer_tickets, overview, owned_by
from ticketflow.store.models import Ticket, utcnow
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.store.sign_in import ConsoleSeat, SignInRefused, set_language, sign_in, sign_out

HERE = Path(__file__).resolve().parent
# A ticket's page shows its newest articles; a link leads to those before.
ARTICLES_PER_PAGE = 50
router = APIRouter(include_in_schema=False)
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


def _safe_next(target: str | None) -> str:
    """Only a path of ours: never another site after signing in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# --- signing in and out ---------------------------------------------------------------


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
    check_csrf(request.cookies.get(SIGN_IN_COOKIE, "-"), form)
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
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"no language {language!r}")
    await asyncio.to_thread(set_language, components.sessions, seat.agent.name, language)
    back = _safe_next(form.get("next"))
    return RedirectResponse(back, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)


# --- reading -----------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's queues in each of his projects, with their counts and oldest ages."""
    me = get_me(components, seat.agent)

    def read() -> list[tuple[str, list[QueueOut]]]:
        return [(p.name, list_queues(components, seat.agent, p.name)) for p in me.projects]

    projects = await asyncio.to_thread(read)
    return render(request, "home.html.j2", seat, me=me, projects=projects)


@router.get("/p/{project}/q/{queue}")
async def queue_page(
    request: Request,
    project: str,
    queue: str,
    components: ComponentsDep,
    seat: Seat,
    sort: Annotated[str, Query(pattern="^(pending|escalation)$")] = "pending",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await asyncio.to_thread(
        get_tickets,
        components,
        seat.agent,
        queue=queue,
        state=None,
        limit=50,
        cursor=cursor,
        sort=sort,  # type: ignore[arg-type]
        tag=None,
        project=project,
    )
    # The live view sends what arrives after this page was made.
    live = f"/live/p/{quote(project)}/q/{quote(queue)}?since={quote(utcnow().isoformat())}"
    return render(
        request,
        "queue.html.j2",
        seat,
        project=project,
        queue=queue,
        sort=sort,
        page=page,
        live=live if sort == "pending" and not cursor else None,
    )


@router.get("/t/{number}")
async def ticket_page(
    request: Request,
    number: str,
    components: ComponentsDep,
    seat: Seat,
    refused: Annotated[str | None, Query(max_length=500)] = None,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> Response:
    return await _ticket(request, number, components, seat, before=before, refused=refused)


async def _ticket(
    request: Request,
    number: str,
    components: ComponentsDep,
    seat: ConsoleSeat,
    status_code: int = 200,
    before: int | None = None,
    **context: Any,
) -> Response:
    def read() -> tuple[TicketDetail, MacroList, DeskOut, list[Ticket]]:
        # One trip to a thread for all the page reads: none blocks the event loop.
        ticket = get_ticket(number, components, seat.agent, ARTICLES_PER_PAGE, before)
        macros = get_macros(number, components, seat.agent)
        desk = get_desk(components, seat.agent, ticket.project)
        return ticket, macros, desk, _customer_tickets(components, seat, number)

    ticket, macros, desk, others = await asyncio.to_thread(read)
    return render(
        request,
        "ticket.html.j2",
        seat,
        status_code,
        ticket=ticket,
        macros=macros.macros,
        desk=desk,
        others=others,
        live=f"/live/t/{quote(number, safe='')}",
        **context,
    )


def _customer_tickets(components: Components, seat: ConsoleSeat, number: str) -> list[Ticket]:
    """The customer's other tickets that this agent may read."""
    with components.sessions() as session:
        ticket = access_ticket(components, session, number, seat.agent)
        found = customer_tickets(session, ticket, 20)
        return [t for t in found if may_see(components, t, seat.agent)]


@router.get("/mine")
async def mine_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's own open and waiting tickets, in every project."""

    def read() -> list[Ticket]:
        with components.sessions() as session:
            found = owned_by(session, seat.agent.name, 200)
            return [t for t in found if may_see(components, t, seat.agent)]

    tickets = await asyncio.to_thread(read)
    return render(request, "mine.html.j2", seat, tickets=tickets)


@router.get("/overview")
async def overview_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """Per queue of each of his projects: open, waiting, oldest, breached; and the agents
    with what they own."""
    me = get_me(components, seat.agent)
    sections = []
    for project in me.projects:
        queues = await asyncio.to_thread(list_queues, components, seat.agent, project.name)

        def read(name: str = project.name, names: list[str] = project.queues) -> Overview:
            with components.sessions() as session:
                return overview(session, name, names, utcnow())

        sections.append((project.name, queues, await asyncio.to_thread(read)))
    return render(request, "overview.html.j2", seat, sections=sections)


@router.get("/search")
async def search_page(
    request: Request,
    components: ComponentsDep,
    seat: Seat,
    q: Annotated[str, Query(max_length=500)] = "",
    project: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    hits = None
    if q.strip():
        hits = await asyncio.to_thread(search, components, seat.agent, q, 50, project)
    return render(request, "search.html.j2", seat, q=q, hits=hits, project=project)


@router.get("/escalations")
async def escalations_page(
    request: Request,
    components: ComponentsDep,
    seat: Seat,
    project: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    found = await asyncio.to_thread(get_escalations, components, seat.agent, 24 * 60, 200, project)
    return render(request, "escalations.html.j2", seat, tickets=found.tickets)


@router.get("/files/{attachment_id}")
async def file_download(attachment_id: RowId, components: ComponentsDep, seat: Seat) -> Response:
    """An attachment, as the API serves it (always a download), for the signed-in agent."""
    return await asyncio.to_thread(download_attachment, attachment_id, components, seat.agent)


# --- acting ------------------------------------------------------------------------------


@router.post("/t/{number}/preview")
async def preview(request: Request, number: str, components: ComponentsDep, seat: Seat) -> Response:
    """The answer as the customer would get it, shown above the form that still holds it."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    text, template = form.get("text") or None, form.get("template") or None
    kept: dict[str, Any] = {"draft": text or "", "chosen_template": template}
    try:
        body = PreviewBody(text=text, template=template)
        shown = await post_preview(number, body, components, seat.agent)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        return await _ticket(request, number, components, seat, 422, refused=reason, **kept)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        return await _ticket(
            request, number, components, seat, exc.status_code, refused=exc.detail, **kept
        )
    return await _ticket(request, number, components, seat, preview=shown, **kept)


@router.post("/t/{number}/act/{action}")
async def act(
    request: Request,
    number: str,
    action: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    """One click: the action through the API's own service; a refusal is shown on the
    ticket, where the agent clicked."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    body_type = ACTION_BODIES.get(action, (None, ""))[0]
    if body_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown action {action!r}")
    fields = {k: v for k, v in form.items() if k not in ("csrf",) and v != ""}
    if "priority" in fields and fields["priority"].isdigit():
        fields["priority"] = int(fields["priority"])  # type: ignore[assignment]
    try:
        body = body_type.model_validate(fields)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        return await _ticket(request, number, components, seat, 422, refused=reason, acted=action)
    try:
        await act_on_ticket(number, action, body.model_dump(), components, client, seat.agent)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        return await _ticket(
            request, number, components, seat, exc.status_code, refused=exc.detail, acted=action
        )
    return _back_to(number)


@router.post("/t/{number}/macro/{name}")
async def macro(
    request: Request,
    number: str,
    name: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    check_csrf(seat.csrf, await read_form(request))
    try:
        await run_macro_on_ticket(number, name, components, client, seat.agent)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        return await _ticket(
            request, number, components, seat, exc.status_code, refused=exc.detail, acted=name
        )
    return _back_to(number)


def _back_to(number: str) -> Response:
    target = f"/t/{quote(number, safe='')}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)


__all__ = ["optional_seat", "router", "static"]
