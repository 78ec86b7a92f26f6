"""New tickets counted by queue and by hint in a time window (early warning's counts),
from the reports' one row per ticket (indexed by project and creation time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ticketflow.store.models import Ticket, TicketHint, TicketReport
from ticketflow.tickets.surges import HINT, QUEUE, Key


def arrivals(session: Session, project: str, start: datetime, end: datetime) -> dict[Key, int]:
    """The project's new tickets from `start` to `end`, by first queue and by hint."""
    within = (
        TicketReport.project == project,
        TicketReport.created_at >= start,
        TicketReport.created_at < end,
    )
    found: dict[Key, int] = {}
    for queue, count in session.execute(
        select(TicketReport.first_queue, func.count())
        .where(*within)
        .group_by(TicketReport.first_queue)
    ).all():
        if queue:
            found[(QUEUE, queue)] = count
    for topic, count in session.execute(
        select(TicketHint.topic, func.count(distinct(TicketHint.ticket_id)))
        .join(TicketReport, TicketReport.ticket_id == TicketHint.ticket_id)
        .where(*within)
        .group_by(TicketHint.topic)
    ).all():
        found[(HINT, topic)] = count
    return found


def arrived(
    session: Session, project: str, key: Key, start: datetime, end: datetime, limit: int
) -> list[str]:
    """The numbers of the tickets counted under `key` in the window, oldest first."""
    kind, name = key
    query = (
        select(Ticket.number)
        .join(TicketReport, TicketReport.ticket_id == Ticket.id)
        .where(
            TicketReport.project == project,
            TicketReport.created_at >= start,
            TicketReport.created_at < end,
        )
    )
    if kind == QUEUE:
        query = query.where(TicketReport.first_queue == name)
    else:
        hinted = select(TicketHint.ticket_id).where(TicketHint.topic == name)
        query = query.where(Ticket.id.in_(hinted))
    return list(session.scalars(query.order_by(TicketReport.created_at).limit(limit)))
