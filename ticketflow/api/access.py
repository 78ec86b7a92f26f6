"""Fetch what an agent asked for, or refuse with one boring error that leaks nothing.

A ticket (or its attachment, or a queue) the agent may not see is refused exactly as one
that does not exist: the same status and the same words, so no agent can learn which
ticket numbers exist or in which queue they sit.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from ticketflow.components import Components
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import Ticket
from ticketflow.store.queries import ticket_by_number


def may_see(components: Components, ticket: Ticket, agent: AgentIdentity) -> bool:
    return ticket.queue in components.desk.visible_queues(agent.groups)


def access_ticket(
    components: Components, session: Session, number: str, agent: AgentIdentity
) -> Ticket:
    """The ticket, if the agent may see it; else the 404 of an unknown number."""
    ticket = ticket_by_number(session, number)
    if ticket is None or not may_see(components, ticket, agent):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {number}")
    return ticket


def access_queue(components: Components, queue: str, agent: AgentIdentity) -> str:
    """The queue, if the agent works it; else the 404 of an unknown queue."""
    if queue not in components.desk.visible_queues(agent.groups):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no queue {queue}")
    return queue
