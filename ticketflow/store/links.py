"""Links between related tickets: one row a pair (the lower id first), read both ways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, or_, select
from sqlalchemy.orm import Session

from ticketflow.store.db import insert_missing
from ticketflow.store.models import Ticket, TicketLink


@dataclass(frozen=True)
class Linked:
    """The other ticket of a link, with who linked the two and when."""

    ticket: Ticket
    linked_by: str
    linked_at: datetime


def add_link(session: Session, one: int, other: int, by: str, at: datetime) -> None:
    """Link two tickets, once: linking them again (either way round) changes nothing."""
    low, high = sorted((one, other))
    values = {"ticket_id": low, "other_id": high, "linked_by": by, "linked_at": at}
    insert_missing(session, TicketLink, values, ["ticket_id", "other_id"])


def remove_link(session: Session, one: int, other: int) -> bool:
    """Unlink two tickets; False when they were not linked."""
    low, high = sorted((one, other))
    gone = session.execute(
        delete(TicketLink).where(TicketLink.ticket_id == low, TicketLink.other_id == high)
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def links_of(session: Session, ticket_id: int) -> list[Linked]:
    """The tickets linked with `ticket_id`, the latest link first."""
    other_end = case(
        (TicketLink.ticket_id == ticket_id, TicketLink.other_id), else_=TicketLink.ticket_id
    )
    rows = session.execute(
        select(TicketLink, Ticket)
        .join(Ticket, Ticket.id == other_end)
        .where(or_(TicketLink.ticket_id == ticket_id, TicketLink.other_id == ticket_id))
        .order_by(TicketLink.id.desc())
    ).all()
    return [Linked(ticket, link.linked_by, link.linked_at) for link, ticket in rows]
