"""Ticket views: a queue's tickets, one ticket, its macros, its language, a preview of an
answer, escalations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam, TemporalClientDep
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.letters.answers import Written
from ticketflow.service import tickets
from ticketflow.service.shapes import (
    EscalationList,
    LanguageBody,
    MacroList,
    PreviewBody,
    PreviewOut,
    TicketDetail,
    TicketPage,
    TicketSummary,
)
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.tickets.lifecycle import State

router = APIRouter(prefix="/api/v1", tags=["tickets"], responses=AGENT_ROUTE)


@router.get("/tickets", response_model=TicketPage, responses=problems(400, 404))
def get_tickets(
    components: ComponentsDep,
    agent: CurrentAgent,
    queue: str | None = None,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    # None: the queue's own order (oldest first, or by priority where the queue says).
    sort: Literal["pending", "escalation", "priority"] | None = None,
    tag: str | None = None,
    project: ProjectParam = None,
) -> TicketPage:
    """Tickets of a project (the agent's first unless named) oldest first, or soonest
    escalation first (open ones unless `state` says otherwise), paginated by cursor."""
    asked = tickets.QueueQuery(
        project, queue, state.value if state else None, limit, cursor, sort, tag
    )
    return tickets.queue_page(components, agent, asked)


@router.get("/tickets/{number}/macros", response_model=MacroList, responses=problems(404))
def get_macros(number: str, components: ComponentsDep, agent: CurrentAgent) -> MacroList:
    """The macros this agent may run on this ticket in its state and with its rights, most
    used first."""
    return tickets.ticket_macros(components, agent, number)


@router.put(
    "/tickets/{number}/language",
    response_model=TicketSummary,
    responses=problems(400, 403, 404, 409),
)
async def put_language(
    number: str,
    body: LanguageBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> TicketSummary:
    """Set the language the ticket's answers are written in (detected from its first
    message until set): the `language` action, with its right (reply) and in the history."""
    return await tickets.do_set_language(components, client, agent, number, body.language)


@router.post("/tickets/{number}/preview", response_model=PreviewOut, responses=problems(400, 404))
async def post_preview(
    number: str, body: PreviewBody, components: ComponentsDep, agent: CurrentAgent
) -> PreviewOut:
    """An answer (`text` or `template`) as the customer would get it; nothing is stored or sent."""
    written = Written(text=body.text, template=body.template)
    return await tickets.preview(components, agent, number, written)


@router.get("/escalations", response_model=EscalationList, responses=problems(404))
def get_escalations(
    components: ComponentsDep,
    agent: CurrentAgent,
    within_minutes: Annotated[int, Query(ge=0, le=7 * 24 * 60)] = 60,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    project: ProjectParam = None,
) -> EscalationList:
    """Tickets in the agent's queues of a project (his first unless named) whose SLA
    deadline has passed (breached) or falls within `within_minutes` (at risk), soonest
    first."""
    return tickets.escalations(components, agent, within_minutes, limit, project)


@router.get("/tickets/{number}", response_model=TicketDetail, responses=problems(404))
def get_ticket(
    number: str,
    components: ComponentsDep,
    agent: CurrentAgent,
    articles: Annotated[int | None, Query(ge=1, le=500)] = None,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> TicketDetail:
    """One ticket with its articles, history and the `actions` the agent may take on it
    now; with `articles=N`, its newest N articles (before the article `before`) and last
    10 N history events, and `earlier` set to pass as `before` for the page before."""
    return tickets.ticket_detail(components, agent, number, articles, before)
