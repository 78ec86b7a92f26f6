"""Reading tickets: a queue's page, one ticket with the actions it offers, its macros,
escalations, search, attachments, an agent's own tickets, a customer's others; setting a
ticket's language and previewing an answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.desk.macros import macro_keys, most_used_first
from ticketflow.letters.answers import AnswerError, Written
from ticketflow.mail.sanitize import resolve_content_ids
from ticketflow.service.access import (
    access_attachment,
    access_queue,
    access_ticket,
    access_ticket_ref,
)
from ticketflow.service.actions import do_act
from ticketflow.service.links import linked_tickets
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import BadRequest, Invalid, NotFound
from ticketflow.service.shapes import (
    ArticleOut,
    AttachmentOut,
    EscalationList,
    EscalationOut,
    HintOut,
    MacroList,
    MacroOut,
    PreviewOut,
    SearchHitOut,
    SearchResult,
    TicketDetail,
    TicketPage,
    TicketSummary,
)
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.console_views import customer_tickets, owned_by
from ticketflow.store.drafts import preview_mail
from ticketflow.store.macro_uses import macro_uses
from ticketflow.store.merges import merged_into_number, merged_numbers
from ticketflow.store.models import Article, ArticleAttachment, utcnow
from ticketflow.store.queries import (
    BadCursor,
    article_attachments,
    blob_data,
    default_states,
    escalating_tickets,
    list_tickets,
    search_tickets,
    ticket_articles,
    ticket_hints,
    ticket_history,
    ticket_tags,
)
from ticketflow.store.ticket_shape import history_entry_of, lifecycle_of
from ticketflow.tickets.lifecycle import Action


@dataclass(frozen=True)
class QueueQuery:
    """Which tickets of a project a queue view lists, and how."""

    project: str | None = None
    queue: str | None = None
    state: str | None = None
    limit: int = 50
    cursor: str | None = None
    sort: str | None = None  # None: the queue's own order (its `order`), else oldest first
    tag: str | None = None


def queue_page(components: Components, agent: AgentIdentity, asked: QueueQuery) -> TicketPage:
    """Tickets of a project (the agent's first unless named) oldest first, or soonest
    escalation first (open ones unless a state is asked for), a page at a time."""
    seat = policy_of(components.projects).chosen(agent, asked.project)
    queues = seat.visible_queues() if asked.queue is None else [access_queue(seat, asked.queue)]
    line = seat.desk.lines().get(asked.queue) if asked.queue else None
    states = [asked.state] if asked.state else default_states(line)
    sort = asked.sort or seat.desk.queue_order(asked.queue)
    with components.sessions() as session:
        try:
            rows, next_cursor = list_tickets(
                session,
                seat.project,
                queues,
                states,
                asked.limit,
                asked.cursor,
                sort,
                asked.tag,
            )
        except BadCursor as exc:
            raise BadRequest("cursor-invalid", reason=str(exc)) from exc
        return TicketPage.model_validate(
            {"tickets": rows, "next_cursor": next_cursor, "sort": sort}, from_attributes=True
        )


def ticket_detail(
    components: Components,
    agent: AgentIdentity,
    number: str,
    articles: int | None = None,
    before: int | None = None,
) -> TicketDetail:
    """One ticket with its articles, history, and the actions the agent may take on it
    now; with `articles=N`, its newest N articles (before the article `before`) and last
    10 N history events, and `earlier` to pass as `before` for the page before."""
    with components.sessions() as session:
        ticket = access_ticket(components, session, agent, number)
        rows = ticket_articles(session, ticket.id, articles, before)
        files = article_attachments(session, [a.id for a in rows])
        shown = [article_out(a, files.get(a.id, [])) for a in rows]
        earlier = None
        if articles is not None and len(rows) == articles and rows:
            older = ticket_articles(session, ticket.id, 1, rows[0].id)
            earlier = rows[0].id if older else None
        events = ticket_history(session, ticket.id, 10 * articles if articles else None)
        seat = policy_of(components.projects).seat(agent, ticket.project)
        offered = seat.offered(lifecycle_of(ticket), agent.name)
        return TicketDetail(
            **TicketSummary.model_validate(ticket).model_dump(),
            tags=ticket_tags(session, ticket.id),
            hints=[HintOut.model_validate(h) for h in ticket_hints(session, ticket.id)],
            links=linked_tickets(components, session, agent, ticket.id),
            merged_into=merged_into_number(session, ticket),
            merged=merged_numbers(session, ticket.id),
            articles=shown,
            history=[history_entry_of(h) for h in events],
            earlier=earlier,
            actions=[a.value for a in offered],
        )


def ticket_macros(components: Components, agent: AgentIdentity, number: str) -> MacroList:
    """The macros the agent may run on this ticket in its state and with his rights, most
    used first, each with its key (the desk's: use never renumbers one)."""
    with components.sessions() as session:
        row = access_ticket(components, session, agent, number)
        ticket, project = lifecycle_of(row), row.project
    seat = policy_of(components.projects).seat(agent, project)
    uses = macro_uses(components.sessions, agent.name)
    runnable = seat.runnable(ticket, agent.name)
    keys = macro_keys(seat.desk.macros)
    ordered = most_used_first(runnable, uses)
    return MacroList(macros=[MacroOut.of(m, uses, keys) for m in ordered])


def escalations(
    components: Components,
    agent: AgentIdentity,
    within_minutes: int,
    limit: int,
    project: str | None = None,
) -> EscalationList:
    """Tickets in the agent's queues of a project (his first unless named) whose SLA
    deadline has passed (breached) or falls within `within_minutes` (at risk), soonest
    first."""
    now = utcnow()
    seat = policy_of(components.projects).chosen(agent, project)
    until = now + timedelta(minutes=within_minutes)
    with components.sessions() as session:
        rows = escalating_tickets(session, seat.project, seat.visible_queues(), until, limit)
        return EscalationList(
            tickets=[
                EscalationOut(
                    **TicketSummary.model_validate(r).model_dump(),
                    breached=r.escalation_at is not None and r.escalation_at <= now,
                )
                for r in rows
            ]
        )


def search(
    components: Components, agent: AgentIdentity, q: str, limit: int, project: str | None = None
) -> SearchResult:
    """Tickets of the agent's queues whose mail or notes match `q`, newest match first."""
    seat = policy_of(components.projects).chosen(agent, project)
    with components.sessions() as session:
        hits = search_tickets(session, q, seat.project, seat.visible_queues(), limit)
        return SearchResult(
            hits=[
                SearchHitOut(
                    ticket=TicketSummary.model_validate(hit.ticket), article_id=hit.article_id
                )
                for hit in hits
            ]
        )


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes


def attachment(components: Components, agent: AgentIdentity, attachment_id: int) -> Download:
    """An attachment of a ticket the agent may see, as the customer sent it."""
    with components.sessions() as session:
        found = access_attachment(components, session, agent, attachment_id)
        data = blob_data(session, found.blob_sha256) if found.blob_sha256 else None
        if data is None:
            raise NotFound("attachment-not-stored")
        return Download(found.filename, found.content_type or "application/octet-stream", data)


def owned(components: Components, agent: AgentIdentity, limit: int = 200) -> list[TicketSummary]:
    """The agent's own open and waiting tickets that he may still read, in every project."""
    policy = policy_of(components.projects)
    with components.sessions() as session:
        rows = owned_by(session, agent.name, limit)
        return [
            TicketSummary.model_validate(t)
            for t in rows
            if policy.may_read(agent, t.project, t.queue)
        ]


def customer_others(
    components: Components, agent: AgentIdentity, ticket: TicketDetail, limit: int = 20
) -> list[TicketSummary]:
    """The customer's other tickets in the ticket's project that the agent may read."""
    policy = policy_of(components.projects)
    with components.sessions() as session:
        rows = customer_tickets(session, ticket.customer, ticket.project, ticket.number, limit)
        return [
            TicketSummary.model_validate(t)
            for t in rows
            if policy.may_read(agent, t.project, t.queue)
        ]


async def do_set_language(
    components: Components, client: Client, agent: AgentIdentity, number: str, language: str
) -> TicketSummary:
    """The language the ticket's answers are written in (detected until set): an action
    of its own, with its right (reply) and its history entry; the ticket as it is then."""
    await do_act(components, client, agent, number, Action.LANGUAGE.value, {"language": language})
    with components.sessions() as session:
        return TicketSummary.model_validate(access_ticket(components, session, agent, number))


async def preview(
    components: Components, agent: AgentIdentity, number: str, written: Written
) -> PreviewOut:
    """An answer as the customer would get it; nothing is stored or sent."""
    ref = await asyncio.to_thread(access_ticket_ref, components, agent, number)
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
        raise Invalid("template-invalid", reason=str(exc)) from exc
    return PreviewOut(
        subject=mail.subject, language=mail.language, text=mail.body.text, html=mail.body.html
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
            "cc": article.cc_addr,
            "bcc": article.bcc_addr,
            "subject": article.subject,
            "body_text": article.body_text,
            "body_html": article.body_html and resolve_content_ids(article.body_html, images),
            "message_id": article.message_id,
            "author": article.author,
            "bounce": article.bounce,
            "attachments": [AttachmentOut.of(f) for f in files],
            "created_at": article.created_at,
            "sent_at": article.sent_at,
            "error": article.error,
        }
    )
