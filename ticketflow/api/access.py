"""Fetch what an agent asked for, or refuse with one boring error that leaks nothing.

A ticket (or its attachment, or a queue) the agent may not see is refused exactly as one
that does not exist: the same status and the same words, so no agent can learn which
ticket numbers exist, in which project or in which queue they sit.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from ticketflow.components import Components
from ticketflow.desk.config import DeskConfig
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import Ticket
from ticketflow.store.queries import ticket_by_number
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.rights import Right


@dataclass(frozen=True)
class Seat:
    """An agent in one project: the project's desk and his groups there (by their names
    in that desk). An agent of no group there sees nothing of it."""

    project: str
    desk: DeskConfig
    groups: frozenset[str]

    def visible_queues(self) -> list[str]:
        return self.desk.visible_queues(self.groups) if self.groups else []

    def move_targets(self) -> list[str]:
        """The queues a move of his may lead into."""
        return [
            q.name
            for q in self.desk.queues
            if Right.MOVE_INTO in self.desk.rights_in(self.groups, q.name)
        ]

    def may_steal(self, queue: str) -> bool:
        return Right.STEAL in self.desk.rights_in(self.groups, queue)

    def action_refusal(self, action: Action, queue: str, target: str | None) -> str | None:
        return self.desk.action_refusal(self.groups, action, queue, target)


def seat(components: Components, agent: AgentIdentity, project: str) -> Seat:
    projects = components.projects
    found = projects.get(project)
    if found is None:
        return Seat(project, projects.first.desk, frozenset())
    return Seat(found.name, found.desk, projects.of_project(agent.groups, found.name))


def chosen_seat(components: Components, agent: AgentIdentity, project: str | None) -> Seat:
    """The project a list (queues, tickets, search, escalations) is of: the one asked for,
    if the agent is in it (else the 404 of an unknown project), or his first."""
    mine = components.projects.projects_of(agent.groups)
    if project is None:
        return seat(components, agent, mine[0] if mine else components.projects.first.name)
    if project not in mine:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no project {project}")
    return seat(components, agent, project)


def may_see(components: Components, ticket: Ticket, agent: AgentIdentity) -> bool:
    return ticket.queue in seat(components, agent, ticket.project).visible_queues()


def access_ticket(
    components: Components, session: Session, number: str, agent: AgentIdentity
) -> Ticket:
    """The ticket, if the agent may see it; else the 404 of an unknown number."""
    ticket = ticket_by_number(session, number)
    if ticket is None or not may_see(components, ticket, agent):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {number}")
    return ticket


def access_queue(seat: Seat, queue: str) -> str:
    """The queue, if the agent works it in the seat's project; else the 404 of an
    unknown queue."""
    if queue not in seat.visible_queues():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no queue {queue}")
    return queue
