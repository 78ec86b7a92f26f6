"""The reports' rows, kept by the projection in the same transaction as the ticket: each
new history event is folded into the ticket's figures (ticketflow.tickets.reporting), its
reportable row written and earlier rows marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.models import HistoryEvent, ReportEvent, Ticket, TicketReport
from ticketflow.tickets.reporting import DeskShape, Event, TicketFigures, advance

_FIGURES = [f.name for f in fields(TicketFigures)]


def record(session: Session, ticket: Ticket, events: Iterable[Event], shape: DeskShape) -> None:
    """Fold `events` (new, in order) into the ticket's figures."""
    row = session.get(TicketReport, ticket.id)
    if row is None:
        row = TicketReport(ticket_id=ticket.id, project=ticket.project)
        figures = TicketFigures(created_at=ticket.created_at)
    else:
        figures = TicketFigures(**{name: getattr(row, name) for name in _FIGURES})
    for event in events:
        made, marks = advance(figures, event, shape)
        for mark in marks:
            session.execute(
                update(ReportEvent)
                .where(ReportEvent.ticket_id == ticket.id, ReportEvent.seq == mark.seq)
                .values(**mark.values)
            )
        if made is not None:
            session.add(ReportEvent(ticket_id=ticket.id, project=ticket.project, **vars(made)))
            session.flush()  # a later event of this batch may mark it
    for name in _FIGURES:
        setattr(row, name, getattr(figures, name))
    row.project = ticket.project
    session.add(row)


def rebuild_all(
    sessions: sessionmaker[Session], shapes: Mapping[str, DeskShape], batch: int = 500
) -> int:
    """Every ticket's figures folded anew from its whole history (after the upgrade that
    brought reports, or a change of their definitions): a ticket per transaction, under the
    ticket's row lock, so the projection goes on meanwhile. Returns how many."""
    done, after = 0, 0
    while True:
        with sessions() as session:
            ids = session.scalars(
                select(Ticket.id).where(Ticket.id > after).order_by(Ticket.id).limit(batch)
            ).all()
        if not ids:
            return done
        for ticket_id in ids:
            with sessions() as session, session.begin():
                ticket = session.get(Ticket, ticket_id, with_for_update=True)
                if ticket is not None and ticket.project in shapes:
                    rebuild(session, ticket, shapes[ticket.project])
                    done += 1
        after = ids[-1]


def rebuild(session: Session, ticket: Ticket, shape: DeskShape) -> None:
    """One ticket's figures folded anew from its whole history."""
    session.query(ReportEvent).filter(ReportEvent.ticket_id == ticket.id).delete()
    session.query(TicketReport).filter(TicketReport.ticket_id == ticket.id).delete()
    session.flush()
    history = session.scalars(
        select(HistoryEvent).where(HistoryEvent.ticket_id == ticket.id).order_by(HistoryEvent.seq)
    ).all()
    record(session, ticket, history, shape)
