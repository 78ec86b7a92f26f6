"""Ticket views and agent actions."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status

from ticketflow.api.access import access_queue, access_ticket, chosen_seat, seat
from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.schemas import (
    ArticleOut,
    AttachmentOut,
    EscalationList,
    EscalationOut,
    HintOut,
    HistoryOut,
    LanguageBody,
    MacroList,
    MacroOut,
    PreviewBody,
    PreviewOut,
    TicketDetail,
    TicketPage,
    TicketSummary,
)
from ticketflow.components import Components
from ticketflow.desk.macros import check_macro, most_used_first
from ticketflow.engine.tickets import TicketRef
from ticketflow.letters.answers import AnswerError, Written
from ticketflow.mail.sanitize import resolve_content_ids
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.drafts import preview_mail
from ticketflow.store.macro_uses import macro_uses
from ticketflow.store.models import Article, ArticleAttachment, Ticket, utcnow
from ticketflow.store.queries import (
    ROW_ID_MAX,
    BadCursor,
    article_attachments,
    default_states,
    escalating_tickets,
    list_tickets,
    ticket_articles,
    ticket_hints,
    ticket_history,
    ticket_tags,
)
from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import State

router = APIRouter(prefix="/api/v1", tags=["tickets"])
# Starlette renamed its constant (ENTITY -> CONTENT) across versions; the code is the same.
UNPROCESSABLE = 422


@router.get("/tickets", response_model=TicketPage)
def get_tickets(
    components: ComponentsDep,
    agent: CurrentAgent,
    queue: str | None = None,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    sort: Literal["pending", "escalation"] = "pending",
    tag: str | None = None,
    project: ProjectParam = None,
) -> TicketPage:
    """Tickets of a project (the agent's first unless named) oldest first, or soonest
    escalation first (open ones unless `state` says otherwise), paginated by cursor."""
    mine = chosen_seat(components, agent, project)
    queues = [access_queue(mine, queue)] if queue is not None else mine.visible_queues()
    line = mine.desk.lines().get(queue) if queue else None
    states = [state.value] if state else default_states(line)
    with components.sessions() as session:
        try:
            rows, next_cursor = list_tickets(
                session, mine.project, queues, states, limit, cursor, sort, tag
            )
        except BadCursor as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
        return TicketPage(
            tickets=[TicketSummary.model_validate(r) for r in rows], next_cursor=next_cursor
        )


@router.get("/tickets/{number}/macros", response_model=MacroList)
def get_macros(number: str, components: ComponentsDep, agent: CurrentAgent) -> MacroList:
    """The macros this agent may run on this ticket in its state and with its rights, most
    used first."""
    with components.sessions() as session:
        row = access_ticket(components, session, number, agent)
        ticket = lifecycle_ticket(row)
    mine = seat(components, agent, row.project)
    uses = macro_uses(components.sessions, agent.name)
    lines = mine.desk.lines()
    runnable = [
        m
        for m in mine.desk.macros
        if m.may_run(mine.groups)
        and mine.desk.macro_refusal(mine.groups, m, row.queue) is None
        and check_macro(m, ticket, lines, agent.name) is None
    ]
    return MacroList(macros=[MacroOut.of(m, uses) for m in most_used_first(runnable, uses)])


@router.put("/tickets/{number}/language", response_model=TicketSummary)
def put_language(
    number: str, body: LanguageBody, components: ComponentsDep, agent: CurrentAgent
) -> TicketSummary:
    """Set the language the ticket's answers are written in (detected from its first
    message until set)."""
    with components.sessions.begin() as session:
        ticket = access_ticket(components, session, number, agent)
        ticket.language = body.language
        session.flush()
        return TicketSummary.model_validate(ticket)


@router.post("/tickets/{number}/preview", response_model=PreviewOut)
async def post_preview(
    number: str, body: PreviewBody, components: ComponentsDep, agent: CurrentAgent
) -> PreviewOut:
    """An answer (`text` or `template`) as the customer would get it; nothing is stored or sent."""
    ref = await asyncio.to_thread(ticket_ref, components, number, agent)
    written = Written(text=body.text, template=body.template)
    try:
        mail = await asyncio.to_thread(
            preview_mail,
            components.sessions,
            ref.id,
            agent.name,
            written,
            components.draft_settings,
        )
    except AnswerError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from exc
    return PreviewOut(
        subject=mail.subject, language=mail.language, text=mail.body.text, html=mail.body.html
    )


@router.get("/escalations", response_model=EscalationList)
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
    now = utcnow()
    mine = chosen_seat(components, agent, project)
    until = now + timedelta(minutes=within_minutes)
    with components.sessions() as session:
        rows = escalating_tickets(session, mine.project, mine.visible_queues(), until, limit)
        return EscalationList(
            tickets=[
                EscalationOut(
                    **TicketSummary.model_validate(r).model_dump(),
                    breached=r.escalation_at is not None and r.escalation_at <= now,
                )
                for r in rows
            ]
        )


@router.get("/tickets/{number}", response_model=TicketDetail)
def get_ticket(
    number: str,
    components: ComponentsDep,
    agent: CurrentAgent,
    articles: Annotated[int | None, Query(ge=1, le=500)] = None,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> TicketDetail:
    """One ticket with its articles and history; with `articles=N`, its newest N articles
    (before the article `before`) and last 10 N history events, and `earlier` set to pass
    as `before` for the page before."""
    with components.sessions() as session:
        ticket = access_ticket(components, session, number, agent)
        rows = ticket_articles(session, ticket.id, articles, before)
        attachments = article_attachments(session, [a.id for a in rows])
        shown = [article_out(a, attachments.get(a.id, [])) for a in rows]
        earlier = None
        if articles is not None and len(rows) == articles and rows:
            older = ticket_articles(session, ticket.id, 1, rows[0].id)
            earlier = rows[0].id if older else None
        events = ticket_history(session, ticket.id, 10 * articles if articles else None)
        history = [HistoryOut.model_validate(h) for h in events]
        hints = [HintOut.model_validate(h) for h in ticket_hints(session, ticket.id)]
        summary = TicketSummary.model_validate(ticket).model_dump()
        return TicketDetail(
            **summary,
            tags=ticket_tags(session, ticket.id),
            hints=hints,
            articles=shown,
            history=history,
            earlier=earlier,
        )


def ticket_ref(components: Components, number: str, agent: AgentIdentity) -> TicketRef:
    with components.sessions() as session:
        ticket = access_ticket(components, session, number, agent)
        return TicketRef(
            id=ticket.id, number=ticket.number, queue=ticket.queue, project=ticket.project
        )


def lifecycle_ticket(row: Ticket) -> lifecycle.Ticket:
    """The read model's view of a ticket's lifecycle (it may lag the workflow a moment)."""
    return lifecycle.Ticket(
        state=State(row.state),
        queue=row.queue,
        owner=row.owner,
        priority=row.priority,
        reply_queue=row.reply_queue,
    )


def article_out(article: Article, files: list[ArticleAttachment]) -> ArticleOut:
    downloads = {f.id: f"/api/v1/attachments/{f.id}" for f in files if f.blob_sha256}
    images = {f.content_id: downloads[f.id] for f in files if f.content_id and f.id in downloads}
    return ArticleOut.model_validate(
        {
            "id": article.id,
            "direction": article.direction,
            "status": article.status,
            "from": article.from_addr,
            "to": article.to_addr,
            "subject": article.subject,
            "body_text": article.body_text,
            "body_html": article.body_html and resolve_content_ids(article.body_html, images),
            "message_id": article.message_id,
            "author": article.author,
            "bounce": article.bounce,
            "attachments": [
                AttachmentOut(
                    id=f.id,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    inline=f.inline,
                    content_id=f.content_id,
                    stored=f.blob_sha256 is not None,
                )
                for f in files
            ],
            "created_at": article.created_at,
            "sent_at": article.sent_at,
            "error": article.error,
        }
    )
