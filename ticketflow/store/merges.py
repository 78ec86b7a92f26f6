"""A merged ticket's mail moved under the ticket it was merged into."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ticketflow.store.models import Article, Ticket


def move_mail(session: Session, source_id: int, into: str) -> int:
    """Every article of the ticket `source_id` (their files follow them) now the ticket
    `into`'s, and the ticket marked as merged there; returns how many articles moved.
    Done again, it moves nothing more."""
    target = session.scalar(select(Ticket.id).where(Ticket.number == into))
    if target is None:
        raise LookupError(f"no ticket {into}")
    moved = session.execute(
        update(Article).where(Article.ticket_id == source_id).values(ticket_id=target)
    )
    session.execute(update(Ticket).where(Ticket.id == source_id).values(merged_into_id=target))
    return int(moved.rowcount)  # type: ignore[attr-defined]


def merged_target(session: Session, ticket: Ticket, hops: int = 5) -> Ticket:
    """The ticket mail to `ticket` belongs to: itself, or the ticket it was merged into
    (followed through a chain of merges, at most `hops` of them)."""
    for _ in range(hops):
        if ticket.merged_into_id is None:
            break
        target = session.get(Ticket, ticket.merged_into_id)
        if target is None:
            break
        ticket = target
    return ticket


def merged_into_number(session: Session, ticket: Ticket) -> str | None:
    """The number of the ticket `ticket` was merged into; None when it was not."""
    if ticket.merged_into_id is None:
        return None
    return session.scalar(select(Ticket.number).where(Ticket.id == ticket.merged_into_id))


def merged_numbers(session: Session, ticket_id: int) -> list[str]:
    """The numbers of the tickets merged into `ticket_id`, in the order they were made."""
    rows = session.scalars(
        select(Ticket.number).where(Ticket.merged_into_id == ticket_id).order_by(Ticket.id)
    )
    return list(rows)
