"""What the console's pages read beyond the API's views, each from an index: tickets that
arrived in a queue since a moment (its live view), the next ticket of a queue for an agent
working it, an agent's own tickets, a customer's other tickets, who has a ticket open, and
a project's overview for supervisors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, exists, func, select
from sqlalchemy.orm import Session

from ticketflow.store.db import upsert
from ticketflow.store.models import Ticket, TicketViewer
from ticketflow.store.queries import SORTS
from ticketflow.tickets.lifecycle import OPEN_STATES, State

OPEN_OR_WAITING = [s.value for s in OPEN_STATES] + [State.WAITING.value]
# A viewer whose page has not refreshed his presence for this long has left.
PRESENT_FOR = timedelta(seconds=30)


def arrived_since(
    session: Session, project: str, queue: str, states: Sequence[str], since: datetime, limit: int
) -> list[Ticket]:
    """Tickets that came into the queue's view after `since` (new, moved in, reopened: each
    starts pending then), oldest first: the queue index's range."""
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.project == project,
                Ticket.queue == queue,
                Ticket.state.in_(states),
                Ticket.pending_since > since,
            )
            .order_by(Ticket.pending_since, Ticket.id)
            .limit(limit)
        )
    )


def claim_next(
    session: Session,
    project: str,
    queue: str,
    states: Sequence[str],
    agent: str,
    now: datetime,
    sort: str = "pending",
    after: Ticket | None = None,
) -> Ticket | None:
    """The queue's next ticket for `agent` (in `sort` order, past `after` when given),
    skipping those another agent owns or has open; recorded as open by him before the
    transaction ends, so that two agents working the queue at once never get the same one.
    On PostgreSQL the candidate row is locked (SKIP LOCKED: a ticket another agent is being
    given this instant is passed over); SQLite writes one transaction at a time."""
    seen_by_other = exists().where(
        TicketViewer.ticket_id == Ticket.id,
        TicketViewer.agent != agent,
        TicketViewer.seen_at > now - PRESENT_FOR,
    )
    order = SORTS[sort]  # the order the queue's view lists in
    query = select(Ticket).where(
        Ticket.project == project,
        Ticket.queue == queue,
        Ticket.state.in_(states),
        (Ticket.owner.is_(None)) | (Ticket.owner == agent),
        ~seen_by_other,
    )
    if sort == "escalation":
        query = query.where(order.key.is_not(None))
    if after is not None:
        if getattr(after, order.key.key) is not None:
            query = query.where(order.after(after))
        query = query.where(Ticket.id != after.id)
    found = session.scalar(
        query.order_by(*order.order_by()).limit(1).with_for_update(skip_locked=True, of=Ticket)
    )
    if found is not None:
        note_viewer(session, found.id, agent, now)
    return found


def left_ticket(session: Session, ticket_id: int, agent: str) -> None:
    """The agent has left the ticket (he went on to the next): others may be given it."""
    session.execute(
        delete(TicketViewer).where(TicketViewer.ticket_id == ticket_id, TicketViewer.agent == agent)
    )


def owned_by(session: Session, agent: str, limit: int) -> list[Ticket]:
    """The agent's open and waiting tickets, oldest pending first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.owner == agent, Ticket.state.in_(OPEN_OR_WAITING))
            .order_by(Ticket.pending_since, Ticket.id)
            .limit(limit)
        )
    )


def customer_tickets(
    session: Session, customer: str, project: str, number: str, limit: int
) -> list[Ticket]:
    """The customer's other tickets (than `number`) in the project, newest first."""
    if not customer:
        return []
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.customer == customer,
                Ticket.project == project,
                Ticket.number != number,
            )
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def note_viewer(session: Session, ticket_id: int, agent: str, now: datetime) -> list[str]:
    """Record that `agent` has the ticket open; returns the others who have it open."""
    values = {"ticket_id": ticket_id, "agent": agent, "seen_at": now}
    table = cast(Table, TicketViewer.__table__)
    upsert(session, table, values, ["ticket_id", "agent"], {"seen_at": now})
    return list(
        session.scalars(
            select(TicketViewer.agent)
            .where(
                TicketViewer.ticket_id == ticket_id,
                TicketViewer.agent != agent,
                TicketViewer.seen_at > now - PRESENT_FOR,
            )
            .order_by(TicketViewer.agent)
        )
    )


@dataclass(frozen=True)
class Overview:
    """A project's queues for supervisors: breached tickets per queue, and what each agent
    owns (open and waiting)."""

    breached: dict[str, int]
    owners: list[tuple[str, int]]


def overview(session: Session, project: str, queues: Sequence[str], now: datetime) -> Overview:
    breached = session.execute(
        select(Ticket.queue, func.count())
        .where(Ticket.project == project, Ticket.queue.in_(queues), Ticket.escalation_at <= now)
        .group_by(Ticket.queue)
    ).all()
    owners = session.execute(
        select(Ticket.owner, func.count())
        .where(
            Ticket.project == project,
            Ticket.queue.in_(queues),
            Ticket.owner.is_not(None),
            Ticket.state.in_(OPEN_OR_WAITING),
        )
        .group_by(Ticket.owner)
        .order_by(func.count().desc(), Ticket.owner)
    ).all()
    return Overview({q: int(n) for q, n in breached}, [(str(o), int(n)) for o, n in owners])
