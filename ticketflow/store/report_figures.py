"""The reports' rows, kept by the projection in the same transaction as the ticket: each
new history event is folded into the ticket's figures (ticketflow.tickets.reporting), its
reportable row written, earlier rows marked, and the hourly sums (per queue and kind, per
agent and action) changed by as much."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import UTC
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.db import upsert
from ticketflow.store.models import (
    HistoryEvent,
    ReportAgentHour,
    ReportEvent,
    ReportHour,
    Ticket,
    TicketReport,
)
from ticketflow.tickets.reporting import (
    DeskShape,
    Event,
    Mark,
    TicketFigures,
    advance,
    is_agent,
)

_FIGURES = [f.name for f in fields(TicketFigures)]


def record(session: Session, ticket: Ticket, events: Iterable[Event], shape: DeskShape) -> None:
    """Fold `events` (new, in order) into the ticket's figures, rows and hourly sums."""
    row = session.get(TicketReport, ticket.id)
    if row is None:
        row = TicketReport(ticket_id=ticket.id, project=ticket.project)
        figures = TicketFigures(created_at=ticket.created_at)
    else:
        figures = TicketFigures(**{name: getattr(row, name) for name in _FIGURES})
    for event in events:
        made, marks = advance(figures, event, shape)
        for mark in marks:
            _mark(session, ticket.id, mark)
        if made is not None:
            added = ReportEvent(
                ticket_id=ticket.id,
                project=ticket.project,
                by_agent=is_agent(made.actor, made.action),
                **vars(made),
            )
            session.add(added)
            session.flush()  # a later event of this batch may mark it
            first = int(added.first_contact)
            _count(session, added, events=1, closes=int(added.closes), first_contact=first)
    for name in _FIGURES:
        setattr(row, name, getattr(figures, name))
    row.project = ticket.project
    session.add(row)


def _mark(session: Session, ticket_id: int, mark: Mark) -> None:
    """A later event's verdict on an earlier row, in the row and in its hour's sums."""
    earlier = session.scalar(
        select(ReportEvent).where(ReportEvent.ticket_id == ticket_id, ReportEvent.seq == mark.seq)
    )
    if earlier is None:  # pragma: no cover - a mark names a row this fold made
        return
    change: dict[str, int] = {}
    if mark.values.get("wrong_routing") and not earlier.wrong_routing:
        change["wrong_routing"] = 1
    if mark.values.get("reopened_at") and earlier.reopened_at is None:
        change["reopened"] = 1
    if mark.values.get("first_contact") is False and earlier.first_contact:
        change["first_contact"] = -1
    for name, value in mark.values.items():
        setattr(earlier, name, value)
    if change:
        _count(session, earlier, **change)


def _count(session: Session, row: ReportEvent, sign: int = 1, **counts: int) -> None:
    """Add `counts` (times `sign`) to the hourly sums the row belongs to."""
    hour = row.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    agent = row.by_agent
    counts = {name: sign * n for name, n in counts.items()}
    event_counts = {k: v for k, v in counts.items() if k != "first_contact"}
    if event_counts:
        keys = {
            "project": row.project,
            "hour": hour,
            "queue": row.queue,
            "to_queue": row.to_queue,
            "action": row.action,
            "clock": row.clock or "",
            "by_agent": agent,
        }
        _add(session, cast(Table, ReportHour.__table__), keys, event_counts, HOUR_COUNTS)
    if agent:
        keys = {"project": row.project, "hour": hour, "actor": row.actor, "action": row.action}
        table = cast(Table, ReportAgentHour.__table__)
        _add(session, table, keys, counts, AGENT_HOUR_COUNTS)


HOUR_COUNTS = ("events", "closes", "reopened", "wrong_routing")
AGENT_HOUR_COUNTS = ("events", "first_contact", "reopened", "wrong_routing")


def _add(
    session: Session,
    table: Table,
    keys: dict[str, Any],
    counts: Mapping[str, int],
    columns: tuple[str, ...],
) -> None:
    wanted = {name: counts[name] for name in columns if name in counts}
    values = keys | dict.fromkeys(columns, 0) | wanted
    increments = {name: table.c[name] + n for name, n in wanted.items()}
    upsert(session, table, values, list(keys), increments)


def _forget(session: Session, ticket_id: int) -> None:
    """Take the ticket's rows out of the hourly sums, before they are made anew."""
    for row in session.scalars(select(ReportEvent).where(ReportEvent.ticket_id == ticket_id)):
        counts = {
            "events": 1,
            "closes": int(row.closes),
            "reopened": int(row.reopened_at is not None),
            "wrong_routing": int(row.wrong_routing),
            "first_contact": int(row.first_contact),
        }
        _count(session, row, sign=-1, **counts)


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
    _forget(session, ticket.id)
    session.query(ReportEvent).filter(ReportEvent.ticket_id == ticket.id).delete()
    session.query(TicketReport).filter(TicketReport.ticket_id == ticket.id).delete()
    session.flush()
    history = session.scalars(
        select(HistoryEvent).where(HistoryEvent.ticket_id == ticket.id).order_by(HistoryEvent.seq)
    ).all()
    record(session, ticket, history, shape)
