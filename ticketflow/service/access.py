"""Fetch what an agent asked for, or refuse with one boring answer that leaks nothing
(Zulip's `access_*`): a ticket, attachment, queue or project he may not see is refused
exactly as one that does not exist, so no agent learns which ticket numbers exist, in
which project or in which queue they sit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ticketflow.components import Components
from ticketflow.engine.tickets import TicketRef
from ticketflow.service.policy import Seat, policy_of
from ticketflow.service.refusals import NotFound
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import ArticleAttachment, Ticket
from ticketflow.store.queries import attachment_and_ticket, own_entry, ticket_by_number


def access_ticket(
    components: Components, session: Session, agent: AgentIdentity, number: str
) -> Ticket:
    """The ticket's row, if the agent may see it; else the NotFound of an unknown number."""
    ticket = ticket_by_number(session, number)
    if ticket is None or not policy_of(components.projects).may_read(
        agent, ticket.project, ticket.queue
    ):
        raise NotFound("ticket-unknown", number=number)
    return ticket


def access_ticket_ref(components: Components, agent: AgentIdentity, number: str) -> TicketRef:
    """The ticket as the read model has it now, if the agent may see it (his rights are
    looked up in its queue there; the workflow decides its state on its own)."""
    with components.sessions() as session:
        ticket = access_ticket(components, session, agent, number)
        return TicketRef(ticket.id, ticket.number, ticket.queue, ticket.project)


def access_own_action(
    components: Components, agent: AgentIdentity, number: str, action_id: int
) -> TicketRef:
    """The ticket of one of the agent's own actions (its history's entry `action_id` is
    his), whether or not he may read the ticket now: a move he wants to undo took it out
    of his queues. Else the NotFound of an unknown number."""
    with components.sessions() as session:
        ticket = ticket_by_number(session, number)
        if ticket is None or not own_entry(session, ticket.id, action_id, agent.name):
            raise NotFound("ticket-unknown", number=number)
        return TicketRef(ticket.id, ticket.number, ticket.queue, ticket.project)


def access_queue(seat: Seat, queue: str) -> str:
    """The queue, if the agent works it in the seat's project; else the NotFound of an
    unknown queue."""
    if not seat.sees(queue):
        raise NotFound("queue-unknown", queue=queue)
    return queue


def access_attachment(
    components: Components, session: Session, agent: AgentIdentity, attachment_id: int
) -> ArticleAttachment:
    """An attachment of an article the agent may see; else the NotFound of an unknown id."""
    found = attachment_and_ticket(session, attachment_id)
    if found is None or not policy_of(components.projects).may_read(
        agent, found[1].project, found[1].queue
    ):
        raise NotFound("attachment-unknown", id=attachment_id)
    return found[0]
