"""Working a queue: the next ticket for an agent (oldest, or soonest to escalate, skipping
those another agent owns or has open), and what he has just done, for the notice that
offers its undo."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ticketflow.components import Components
from ticketflow.service.access import access_queue
from ticketflow.service.policy import policy_of
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.console_views import claim_next, left_ticket, note_viewer
from ticketflow.store.models import HistoryEvent, utcnow
from ticketflow.store.queries import default_states, ticket_by_number
from ticketflow.tickets.history import EventName
from ticketflow.tickets.undo import undone_seqs

CLAIMING = threading.Lock()


def next_ticket(
    components: Components,
    agent: AgentIdentity,
    project: str | None,
    queue: str,
    sort: str | None = None,
    after: str | None = None,
) -> str | None:
    """The number of the queue's next ticket for the agent, now marked as open by him (two
    agents working one queue never get the same); None when the queue has none for him.
    `after`: the ticket he leaves without acting on it (`j`): the next one after it in the
    queue's order, and others may be given it again. `sort`: the queue view's order
    (None: the queue's own). `project`: his first unless named."""
    seat = policy_of(components.projects).chosen(agent, project)
    access_queue(seat, queue)
    sort = sort or seat.desk.queue_order(queue)
    states = default_states(seat.desk.lines().get(queue))
    # One claim at a time in this process, its transaction committed inside the lock:
    # SQLite takes no row lock, so two threads would both read a ticket as free. Between
    # processes (PostgreSQL only) the row lock does it.
    with CLAIMING, components.sessions.begin() as session:
        left = ticket_by_number(session, after) if after else None
        if left is not None:
            left_ticket(session, left.id, agent.name)
        found = claim_next(
            session, seat.project, queue, states, agent.name, utcnow(), sort, after=left
        )
        return found.number if found is not None else None


def opened(components: Components, agent: AgentIdentity, number: str) -> None:
    """He has the ticket open (its page was just shown to him): a colleague working the
    queue is given another, from this moment on (the page's live stream keeps it so)."""
    with components.sessions.begin() as session:
        ticket = ticket_by_number(session, number)
        if ticket is not None:
            note_viewer(session, ticket.id, agent.name, utcnow())


@dataclass(frozen=True)
class Done:
    """One of the agent's own recent actions (or macros), as its notice tells it."""

    number: str
    action_id: int
    action: str  # the action's name, or "macro"
    detail: str | None  # a macro's title, a close's reason
    titles: Mapping[str, str]  # a macro's title in the console's other languages
    queue: str  # where the action left the ticket (a move's target)
    at: datetime
    undo_until: datetime | None  # None: the desk allows no undo, or it is too late


def done(components: Components, agent: AgentIdentity, number: str, action_id: int) -> Done | None:
    """The agent's own action `action_id` on the ticket (he need not be able to read the
    ticket now: a move took it away); None if there is none of his by that id."""
    with components.sessions() as session:
        ticket = ticket_by_number(session, number)
        if ticket is None:
            return None
        entries = session.scalars(
            select(HistoryEvent)
            .where(HistoryEvent.ticket_id == ticket.id, HistoryEvent.seq >= action_id)
            .order_by(HistoryEvent.seq)
            .limit(12)
        ).all()
        project = ticket.project
    if not entries or entries[0].seq != action_id or entries[0].actor != agent.name:
        return None
    first = entries[0]
    # A macro's steps follow its entry: the notice names where the last of them left it.
    steps = (
        [e for e in entries[1:] if e.actor == agent.name] if first.action == EventName.MACRO else []
    )
    last = steps[-1] if steps else first
    desk = components.projects.desk(project)
    window = timedelta(seconds=desk.undo_seconds)
    detail, titles = first.detail, {}
    if first.action == EventName.MACRO and detail and (macro := desk.macro(detail)) is not None:
        detail, titles = macro.title or macro.name, macro.titles  # as its button says it
    until = first.at + window
    undone = action_id in undone_seqs((e.seq, e.action, e.detail) for e in entries)
    return Done(
        number=number,
        action_id=action_id,
        action=first.action,
        detail=detail,
        titles=titles,
        queue=last.to_queue,
        at=first.at,
        undo_until=until if window and until > utcnow() and not undone else None,
    )
