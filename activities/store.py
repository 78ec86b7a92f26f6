"""Read-model activities: load a ticket for a run, route it, project its changes.

Every write is idempotent (ticketflow.store.projection): a projection carries the
workflow's version and writes only what the row does not have yet, so a retried or
re-run activity writes nothing twice.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ticketflow.desk.projects import Projects
from ticketflow.desk.routing import route_new_ticket
from ticketflow.mail.bounded import MailLimits, read_bounded
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.parse import MailRefused
from ticketflow.payloads import (
    ActivityName,
    ArticleRef,
    MailKind,
    Projection,
    Route,
    TicketFacts,
)
from ticketflow.store.claims import access_case
from ticketflow.store.merges import merged_into_number
from ticketflow.store.models import Article, HistoryEvent, RawMessage, Ticket
from ticketflow.store.projection import count_events, write_changes
from ticketflow.store.ticket_shape import facts_of
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.history import EventName


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
            facts = facts_of(
                ticket,
                last_seq=last_seq or 0,
                lines=self._projects.desk(ticket.project).lines(),
                policy=self._policies.get(ticket.project),
                first_article_id=first_article_id,
                customer_wrote_at=customer_wrote_at,
                responded=responded is not None,
                access=access_case(session, ticket.id),
                merged_into=merged_into_number(session, ticket),
            )
            _first_step_pending(session, ticket.id, facts)
            return facts

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
            shape = self._shapes.get(ticket.project) or self._projects.first.desk.report_shape()
            written = write_changes(session, ticket, projection, shape)
        # Counted once the transaction holds: a retried projection writes (and counts) none.
        count_events(ticket.project, written)


def _first_step_pending(session: Session, ticket_id: int, facts: TicketFacts) -> None:
    """A new ticket whose first step intake took (its message `routed`) but whose run it
    did not start (it stopped, or a reply's run started first): the message is taken
    in already, and its automatic reply goes out unless intake's step skipped it."""
    routed = session.scalar(
        select(Article.id).where(
            Article.ticket_id == ticket_id, Article.status == ArticleStatus.ROUTED
        )
    )
    if routed is None:
        return
    facts.carry.seen_articles.append(routed)
    skipped = session.scalar(
        select(HistoryEvent.seq).where(
            HistoryEvent.ticket_id == ticket_id,
            HistoryEvent.article_id == routed,
            HistoryEvent.action == EventName.AUTO_REPLY_SKIPPED,
        )
    )
    if skipped is None:
        facts.carry.pending_mail.append([MailKind.AUTO_REPLY.value, routed])
