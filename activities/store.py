"""Read-model activities: load a ticket for a run, route it, project its changes.

Every write is idempotent: a projection carries the workflow's version (the
number of events so far) and writes only what the row does not have yet, so a
retried or re-run activity writes nothing twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ticketflow.desk.projects import Projects
from ticketflow.desk.routing import route_new_ticket
from ticketflow.mail.bounded import MailLimits, read_bounded
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.parse import MailRefused
from ticketflow.metrics import TICKET_EVENTS
from ticketflow.payloads import (
    ActivityName,
    ArticleRef,
    HistoryEntry,
    Projection,
    Route,
    TicketFacts,
)
from ticketflow.store import counts, report_figures
from ticketflow.store.claims import access_case
from ticketflow.store.models import Article, HistoryEvent, RawMessage, Ticket
from ticketflow.store.ticket_shape import facts_of, write_projection
from ticketflow.tickets.articles import ACCEPTED_STATUS, ArticleStatus, Direction
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.undo import UNDO

log = logging.getLogger("ticketflow.activities.store")
# Article status once the workflow has taken an article in.


class StoreActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        projects: Projects,
        own: MailIdentity,
        limits: MailLimits,
    ) -> None:
        self._sessions = sessions
        self._projects = projects
        self._own = own
        self._limits = limits  # the installation's reading limits, as intake's
        self._policies = {p.name: p.desk.policy_json() for p in projects}
        self._shapes = {p.name: p.desk.report_shape() for p in projects}

    @activity.defn(name=ActivityName.LOAD_TICKET)
    def load_ticket(self, number: str) -> TicketFacts:
        with self._sessions() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            if ticket is None:
                raise ApplicationError(f"no ticket {number}", non_retryable=True)
            last_seq = session.scalar(
                select(func.coalesce(func.max(HistoryEvent.seq), 0)).where(
                    HistoryEvent.ticket_id == ticket.id
                )
            )
            first_article_id = session.scalar(
                select(func.min(Article.id)).where(
                    Article.ticket_id == ticket.id, Article.direction == Direction.IN
                )
            )
            customer_wrote_at = session.scalar(
                select(Article.created_at)
                .where(Article.ticket_id == ticket.id, Article.direction == Direction.IN)
                .order_by(Article.id.desc())
                .limit(1)
            )
            # A new run of an old ticket: its first response was given if an agent wrote.
            responded = session.scalar(
                select(Article.id)
                .where(
                    Article.ticket_id == ticket.id,
                    Article.direction == Direction.OUT,
                    Article.author != "system",
                    Article.status != ArticleStatus.DRAFT,
                )
                .limit(1)
            )
            return facts_of(
                ticket,
                last_seq=last_seq or 0,
                lines=self._projects.desk(ticket.project).lines(),
                policy=self._policies.get(ticket.project),
                first_article_id=first_article_id,
                customer_wrote_at=customer_wrote_at,
                responded=responded is not None,
                access=access_case(session, ticket.id),
            )

    @activity.defn(name=ActivityName.ROUTE)
    def route(self, ref: ArticleRef) -> Route:
        """Where a new ticket goes, for a run that did not start with intake's route
        (intake routes while it has the parsed message in hand)."""
        with self._sessions() as session:
            raw = session.scalar(
                select(RawMessage.raw)
                .join(Article, Article.raw_message_id == RawMessage.id)
                .where(Article.id == ref.article_id)
            )
            project = session.scalar(select(Ticket.project).where(Ticket.id == ref.ticket_id))
        desk = self._projects.desk(project)  # only its project's rules run on it
        try:
            if raw is not None:
                return route_new_ticket(desk, read_bounded(raw, self._limits), self._own)
        except MailRefused:
            pass  # unreadable within the limits now: the ticket still needs a queue
        return Route(queue=desk.default_queue.name, no_auto_reply="message unreadable")

    @activity.defn(name=ActivityName.PROJECT)
    def project(self, projection: Projection) -> None:
        with self._sessions() as session, session.begin():
            ticket = session.get(Ticket, projection.ticket_id, with_for_update=True)
            if ticket is None:
                raise ApplicationError(f"no ticket id {projection.ticket_id}", non_retryable=True)
            if ticket.version >= projection.version:
                return
            replaced = _replace_phantom_events(session, ticket.id, projection.events)
            # A local activity can run again with a larger batch after its workflow
            # task was rejected: write only events past what the row already has
            # (the version counts events, so it is the last written seq).
            new_events = [e for e in projection.events if e.seq > ticket.version]
            after = projection.ticket
            counts.move(
                session,
                (ticket.project, ticket.queue, ticket.state),
                (ticket.project, after.queue, after.state.value),
            )
            write_projection(ticket, projection)
            for event in new_events:  # the language its answers are written in, when set
                if event.action == Action.LANGUAGE and event.detail:
                    ticket.language = event.detail
            session.add_all(HistoryEvent(ticket_id=ticket.id, **vars(e)) for e in new_events)
            shape = self._shapes.get(ticket.project) or self._projects.first.desk.report_shape()
            undone = any(e.action == UNDO for e in new_events)
            if replaced or undone:  # fold the history anew: numbering lost, or taken back
                session.flush()
                report_figures.rebuild(session, ticket, shape)
            else:
                report_figures.record(session, ticket, new_events, shape)
            if projection.accepted_articles:
                self._accept_articles(session, ticket.id, projection.accepted_articles)
            if projection.withdrawn_articles:
                self._withdraw_articles(session, ticket.id, projection.withdrawn_articles)
        # Counted once the transaction holds: a retried projection writes (and counts) none.
        for event in new_events:
            TICKET_EVENTS.labels(project=ticket.project, event=event.action).inc()

    @staticmethod
    def _accept_articles(session: Session, ticket_id: int, article_ids: list[int]) -> None:
        session.execute(
            update(Article)
            .where(
                Article.id.in_(article_ids),
                Article.ticket_id == ticket_id,
                Article.status.in_([ArticleStatus.RECEIVED, ArticleStatus.DRAFT]),
            )
            .values(status=case(ACCEPTED_STATUS, value=Article.direction))
        )

    @staticmethod
    def _withdraw_articles(session: Session, ticket_id: int, article_ids: list[int]) -> None:
        """Notes and mails an undo took back: never sent (their workflow holds mail until
        the undo window is over, so none has started)."""
        session.execute(
            update(Article)
            .where(
                Article.id.in_(article_ids),
                Article.ticket_id == ticket_id,
                Article.status.in_(
                    [ArticleStatus.DRAFT, ArticleStatus.QUEUED, ArticleStatus.SAVED]
                ),
            )
            .values(status=ArticleStatus.WITHDRAWN)
        )


def _replace_phantom_events(session: Session, ticket_id: int, events: list[HistoryEntry]) -> bool:
    """Seqs the read model holds for other events were written by an attempt of a workflow
    task that was lost (its worker died or the task timed out after its local activity
    wrote): Temporal never recorded it. The attempt that counts began from the same history
    and saw at least the same messages and timers, so its events hold every one of the lost
    attempt's, numbered its own way: its numbering replaces the lost one's. (A lost
    attempt's write that comes late carries no newer version and is skipped.) True when
    any was replaced."""
    incoming = {e.seq: e for e in events}
    if not incoming:
        return False
    stored = session.scalars(
        select(HistoryEvent).where(
            HistoryEvent.ticket_id == ticket_id, HistoryEvent.seq.in_(list(incoming))
        )
    ).all()
    replaced = []
    for row in stored:
        event = incoming[row.seq]
        if (row.action, row.article_id) != (event.action, event.article_id):
            for name, value in vars(event).items():
                setattr(row, name, value)
            replaced.append(row.seq)
    if replaced:
        log.warning(
            "ticket id %d: history seqs %s were written by a lost workflow task; replaced",
            ticket_id,
            replaced,
        )
    return bool(replaced)
