"""The console's pages: each reads and acts through the service (the same policy, projects
and engine as the API), parses the form and renders what it returns. A refusal is shown
where the agent clicked, in his language."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from ticketflow.api.deps import ComponentsDep, RowId, TemporalClientDep
from ticketflow.api.errors import status_of
from ticketflow.api.files import as_download
from ticketflow.components import Components
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import Seat, check_csrf, read_form
from ticketflow.letters.answers import Written
from ticketflow.service import desk, tickets
from ticketflow.service.actions import check_action_name, do_act, do_run_macro
from ticketflow.service.refusals import Invalid, NotFound, Refusal
from ticketflow.service.shapes import ACTION_BODIES, PreviewBody
from ticketflow.store.models import utcnow
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.store.sign_in import ConsoleSeat

# A ticket's page shows its newest articles; a link leads to those before.
ARTICLES_PER_PAGE = 50
router = APIRouter(include_in_schema=False)
Project = Annotated[str | None, Query(max_length=40)]

# --- reading -----------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's queues in each of his projects, with their counts and oldest ages."""

    def read() -> list[tuple[str, Any]]:
        me = desk.me(components, seat.agent)
        return [(p.name, desk.queues(components, seat.agent, p.name)) for p in me.projects]

    projects = await asyncio.to_thread(read)
    return render(request, "home.html.j2", seat, projects=projects)


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
    asked = tickets.QueueQuery(project=project, queue=queue, cursor=cursor, sort=sort)
    page = await asyncio.to_thread(tickets.queue_page, components, seat.agent, asked)
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
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> Response:
    return await _ticket(request, number, components, seat, before=before)


async def _ticket(
    request: Request,
    number: str,
    components: Components,
    seat: ConsoleSeat,
    refused: Refusal | None = None,
    before: int | None = None,
    **context: Any,
) -> Response:
    """The ticket's page; with `refused`, the refusal where he clicked (its status)."""

    def read() -> dict[str, Any]:
        # One trip to a thread for all the page reads: none blocks the event loop.
        agent = seat.agent
        ticket = tickets.ticket_detail(components, agent, number, ARTICLES_PER_PAGE, before)
        return {
            "ticket": ticket,
            "macros": tickets.ticket_macros(components, agent, number).macros,
            "desk": desk.desk_for(components, agent, ticket.project),
            "others": tickets.customer_others(components, agent, ticket),
        }

    found = await asyncio.to_thread(read)
    status_code = status_of(refused) if refused is not None else 200
    return render(
        request,
        "ticket.html.j2",
        seat,
        status_code,
        **found,
        offered=set(found["ticket"].actions),
        live=f"/live/t/{quote(number, safe='')}",
        refused=refused,
        refused_status=status_code,
        **context,
    )


@router.get("/mine")
async def mine_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's own open and waiting tickets, in every project."""
    found = await asyncio.to_thread(tickets.owned, components, seat.agent)
    return render(request, "mine.html.j2", seat, tickets=found)


@router.get("/overview")
async def overview_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """Per queue of each of his projects: open, waiting, oldest, breached; and the agents
    with what they own."""
    found = await asyncio.to_thread(desk.overviews, components, seat.agent)
    sections = [(o.project, o.queues, o.overview) for o in found]
    return render(request, "overview.html.j2", seat, sections=sections)


@router.get("/search")
async def search_page(
    request: Request,
    components: ComponentsDep,
    seat: Seat,
    q: Annotated[str, Query(max_length=500)] = "",
    project: Project = None,
) -> Response:
    hits = None
    if q.strip():
        hits = await asyncio.to_thread(tickets.search, components, seat.agent, q, 50, project)
    return render(request, "search.html.j2", seat, q=q, hits=hits, project=project)


@router.get("/escalations")
async def escalations_page(
    request: Request, components: ComponentsDep, seat: Seat, project: Project = None
) -> Response:
    found = await asyncio.to_thread(
        tickets.escalations, components, seat.agent, 24 * 60, 200, project
    )
    return render(request, "escalations.html.j2", seat, tickets=found.tickets)


@router.get("/files/{attachment_id}")
async def file_download(attachment_id: RowId, components: ComponentsDep, seat: Seat) -> Response:
    """An attachment, as the API serves it (always a download), for the signed-in agent."""
    found = await asyncio.to_thread(tickets.attachment, components, seat.agent, attachment_id)
    return as_download(found)


# --- acting ------------------------------------------------------------------------------


@router.post("/t/{number}/preview")
async def preview(request: Request, number: str, components: ComponentsDep, seat: Seat) -> Response:
    """The answer as the customer would get it, shown above the form that still holds it."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    text, template = form.get("text") or None, form.get("template") or None
    kept: dict[str, Any] = {"draft": text or "", "chosen_template": template}
    try:
        body = _validated(PreviewBody, {"text": text, "template": template})
        shown = await tickets.preview(
            components, seat.agent, number, Written(text=body.text, template=body.template)
        )
    except NotFound:
        raise
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, **kept)
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
    """One click: the action through the service; a refusal is shown on the ticket,
    where the agent clicked."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    check_action_name(action)
    fields: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf" and v != ""}
    if fields.get("priority", "").isdigit():
        fields["priority"] = int(fields["priority"])
    try:
        body = _validated(ACTION_BODIES[action][0], fields)
    except Invalid as refused:
        return await _ticket(request, number, components, seat, refused, acted=action)
    work = do_act(components, client, seat.agent, number, action, body.model_dump())
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
    work = do_run_macro(components, client, seat.agent, number, name)
    return await _clicked(request, number, components, seat, name, work)


def _validated(body_type: Any, fields: dict[str, Any]) -> Any:
    """The form's fields as the action's body, or Invalid with what is wrong."""
    try:
        return body_type.model_validate(fields)
    except ValidationError as exc:
        reason = "; ".join(str(e["msg"]) for e in exc.errors())
        raise Invalid("form-invalid", reason=reason) from None


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
    except NotFound:
        raise
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, acted=acted)
    target = f"/t/{quote(number, safe='')}"
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)
