"""The console's pages. Each reads through the API's own route functions (the same rights,
projects and queries) and acts through the same action service: the console is another
face of the API, never a second path to the workflows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from ticketflow.api.access import may_see
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
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import (
    Seat,
    check_csrf,
    read_form,
)
from ticketflow.store.console_views import Overview, customer_tickets, overview, owned_by
from ticketflow.store.models import Ticket, utcnow
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.store.sign_in import ConsoleSeat

# A ticket's page shows its newest articles; a link leads to those before.
ARTICLES_PER_PAGE = 50
router = APIRouter(include_in_schema=False)
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
        return ticket, macros, desk, _customer_tickets(components, seat, ticket)

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
        refused_status=status_code,
        **context,
    )


def _customer_tickets(
    components: Components, seat: ConsoleSeat, ticket: TicketDetail
) -> list[Ticket]:
    """The customer's other tickets that this agent may read (of the ticket the page has
    just read, and may read)."""
    with components.sessions() as session:
        found = customer_tickets(session, ticket.customer, ticket.project, ticket.number, 20)
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
    work = act_on_ticket(number, action, body.model_dump(), components, client, seat.agent)
    return await _clicked(request, number, components, seat, action, work)


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
    work = run_macro_on_ticket(number, name, components, client, seat.agent)
    return await _clicked(request, number, components, seat, name, work)


async def _clicked(
    request: Request,
    number: str,
    components: Components,
    seat: ConsoleSeat,
    acted: str,
    work: Awaitable[object],
) -> Response:
    """After a click: back to the ticket (a new page, so a reload repeats nothing), or the
    ticket with the refusal's reason where he clicked. A ticket he may no longer read is
    the 404 of an unknown one."""
    try:
        await work
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        return await _ticket(
            request, number, components, seat, exc.status_code, refused=exc.detail, acted=acted
        )
    target = f"/t/{quote(number, safe='')}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)
