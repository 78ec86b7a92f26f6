"""Linking related tickets (one customer, one problem), shown on both tickets' pages.

A link is an annotation of the read model, not a step of either ticket: it changes no
state, owner or timer, so neither workflow takes part; the link itself says who made it
and when. An agent links two tickets he may read and may write notes on.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ticketflow.components import Components
from ticketflow.service.access import access_ticket
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Invalid, NotFound
from ticketflow.service.shapes import LinkedTicket, LinkList, TicketSummary
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.links import add_link, links_of, remove_link
from ticketflow.store.models import Ticket, utcnow
from ticketflow.tickets.lifecycle import Action


def linked_tickets(
    components: Components, session: Session, agent: AgentIdentity, ticket_id: int
) -> list[LinkedTicket]:
    """The tickets linked with `ticket_id` that the agent may read, the latest first."""
    policy = policy_of(components.projects)
    return [
        LinkedTicket(
            **TicketSummary.model_validate(link.ticket).model_dump(),
            linked_by=link.linked_by,
            linked_at=link.linked_at,
        )
        for link in links_of(session, ticket_id)
        if policy.may_read(agent, link.ticket.project, link.ticket.queue)
    ]


def ticket_links(components: Components, agent: AgentIdentity, number: str) -> LinkList:
    with components.sessions() as session:
        ticket = access_ticket(components, session, agent, number)
        return LinkList(links=linked_tickets(components, session, agent, ticket.id))


def do_link(components: Components, agent: AgentIdentity, number: str, other: str) -> LinkList:
    """Link the two tickets (again: nothing changes); the ticket's links after."""
    with components.sessions() as session:
        ticket, linked = _pair(components, session, agent, number, other)
        add_link(session, ticket.id, linked.id, agent.name, utcnow())
        session.commit()
        return LinkList(links=linked_tickets(components, session, agent, ticket.id))


def do_unlink(components: Components, agent: AgentIdentity, number: str, other: str) -> LinkList:
    """Unlink the two tickets; the ticket's links after."""
    with components.sessions() as session:
        ticket, linked = _pair(components, session, agent, number, other)
        if not remove_link(session, ticket.id, linked.id):
            raise NotFound("link-unknown", number=number, other=other)
        session.commit()
        return LinkList(links=linked_tickets(components, session, agent, ticket.id))


def _pair(
    components: Components, session: Session, agent: AgentIdentity, number: str, other: str
) -> tuple[Ticket, Ticket]:
    """Both tickets, if he may read them and write notes on them (a ticket he may not
    read is refused as one that does not exist)."""
    ticket = access_ticket(components, session, agent, number)
    linked = access_ticket(components, session, agent, other)
    if linked.id == ticket.id:
        raise Invalid("link-self")
    policy = policy_of(components.projects)
    for each in (ticket, linked):
        policy.seat(agent, each.project).check_action(Action.NOTE, each.queue)
    return ticket, linked
