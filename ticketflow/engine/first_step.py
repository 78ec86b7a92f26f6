"""A new ticket's first step, taken by intake inside its message's own transaction.

The step is the one the ticket's workflow would take first (workflows.ticket_state:
take the message in, route the ticket, queue its automatic reply), by the same pure
code, written to the read model by the same writer as the workflow's projections
(ticketflow.store.projection). The workflow then starts from what the step left: the
ticket routed, the message seen, the automatic reply its only work. That saves a new
ticket's run a projection, a search-attribute upsert and the activation between them.

Until the run is known to have started, the message stays `routed` (the automatic
reply's sending marks it processed, or intake once it started a run with no reply to
send): a run that loads
the ticket instead (a reply's run came first, or intake stopped before starting it)
takes the step as done and sends the automatic reply (activities.store), and the
worker's sweep starts the run of a ticket left so (ticketflow.engine.redelivery).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from ticketflow.components import Components
from ticketflow.desk.routing import route_new_ticket
from ticketflow.desk.rules import Classification
from ticketflow.mail.parse import ParsedMail
from ticketflow.payloads import CustomerMessage, HistoryEntry, MailKind, TicketFacts
from ticketflow.store.intake import mark_taken
from ticketflow.store.models import Article, Ticket
from ticketflow.store.projection import count_events, write_changes
from ticketflow.tickets.articles import ArticleStatus
from ticketflow.tickets.lifecycle import new_ticket
from workflows.ticket_state import TicketRun, intake_notes


@dataclass
class FirstStep:
    """The step for one message (called by the store inside its transaction, perhaps
    twice when the transaction is tried again): its facts for the workflow's run."""

    components: Components
    project: str
    mail: ParsedMail
    found: Classification | None
    now: datetime
    written: list[HistoryEntry] = field(default_factory=list)

    def __call__(
        self, session: Session, ticket: Ticket, article: Article, message: CustomerMessage
    ) -> TicketFacts:
        components, project, now = self.components, self.project, self.now
        desk = components.projects.desk(project)
        route = route_new_ticket(desk, self.mail, components.mail_identity, self.found)
        facts = TicketFacts(
            ticket_id=ticket.id,
            ticket=new_ticket(desk.default_queue.name),
            project=project,
            pending_since=now,
            closed_at=None,
            version=0,
            last_seq=0,
            lines=desk.lines(),
            first_article_id=article.id,
            route=route,
            policy=components.policies[project],
        )
        run = TicketRun.restore(ticket.number, facts, [article.id])
        run.take_inbox(now, {article.id: intake_notes(message)}, at_most=1)
        run.route_new(route, article.id, now)
        projection = run.projection(now)
        projection.accepted_articles = []  # the message is `routed` until the run starts
        article.status = ArticleStatus.ROUTED
        self.written = write_changes(session, ticket, projection, components.report_shapes[project])
        return run.carry_over()

    def counted(self) -> None:
        """The events metric, once the transaction holds."""
        count_events(self.project, self.written)


def mark_started(sessions: sessionmaker[Session], article_id: int) -> None:
    """The ticket's run is known to have started: its first message is processed."""
    with sessions.begin() as session:
        mark_taken(session, article_id)


def reply_pending(facts: TicketFacts) -> bool:
    """Whether the step queued an automatic reply: its sending marks the message processed
    in its own transaction (activities.mail), saving intake one of its own."""
    return any(kind == MailKind.AUTO_REPLY for kind, _ in facts.carry.pending_mail)
