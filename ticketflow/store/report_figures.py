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
from ticketflow.tickets.undo import undone_seqs

_FIGURES = [f.name for f in fields(TicketFigures)]


def record(session: Session, ticket: Ticket, events: Iterable[Event], shape: DeskShape) -> None:
    """Fold `events` (new, in order) into the ticket's figures, rows and hourly sums."""
    row = session.get(TicketReport, ticket.id)
    if row is None:
        row = TicketReport(ticket_id=ticket.id, project=ticket.project)
        figures = TicketFigures(created_at=ticket.created_at)
    else:
        figures = TicketFigures(**{name: getattr(row, name) for name in _FIGURES})
    sums = HourlySums()
    for event in events:
        made, marks = advance(figures, event, shape)
        for mark in marks:
            _mark(session, ticket.id, mark, sums)
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
            sums.count(added, events=1, closes=int(added.closes), first_contact=first)
    for name in _FIGURES:
        setattr(row, name, getattr(figures, name))
    row.project = ticket.project
    session.add(row)
    sums.write(session)


def _mark(session: Session, ticket_id: int, mark: Mark, sums: HourlySums) -> None:
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
        sums.count(earlier, **change)


HOUR_COUNTS = ("events", "closes", "reopened", "wrong_routing")
AGENT_HOUR_COUNTS = ("events", "first_contact", "reopened", "wrong_routing")
SumKey = tuple[str, tuple[tuple[str, Any], ...]]


class HourlySums:
    """What a projection adds to the hourly sums, written at its end in one order for
    every transaction (by table and key): two projections of the same hour then wait for
    each other instead of deadlocking."""

    def __init__(self) -> None:
        self._pending: dict[SumKey, dict[str, int]] = {}

    def count(self, row: ReportEvent, sign: int = 1, **counts: int) -> None:
        """Add `counts` (times `sign`) to the sums the row belongs to."""
        hour = row.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        keys: dict[str, Any] = {
            "project": row.project,
            "hour": hour,
            "queue": row.queue,
            "to_queue": row.to_queue,
            "action": row.action,
            "clock": row.clock or "",
            "by_agent": row.by_agent,
        }
        self._add(ReportHour.__tablename__, keys, counts, HOUR_COUNTS, sign)
        if row.by_agent:
            keys = {"project": row.project, "hour": hour, "actor": row.actor, "action": row.action}
            self._add(ReportAgentHour.__tablename__, keys, counts, AGENT_HOUR_COUNTS, sign)

    def _add(
        self,
        table: str,
        keys: dict[str, Any],
        counts: Mapping[str, int],
        columns: tuple[str, ...],
        sign: int,
    ) -> None:
        wanted = {name: sign * n for name, n in counts.items() if name in columns and n}
        if not wanted:
            return
        pending = self._pending.setdefault((table, tuple(keys.items())), {})
        for name, n in wanted.items():
            pending[name] = pending.get(name, 0) + n

    def write(self, session: Session) -> None:
        tables = {
            ReportHour.__tablename__: cast(Table, ReportHour.__table__),
            ReportAgentHour.__tablename__: cast(Table, ReportAgentHour.__table__),
        }
        for (name, key), counts in sorted(self._pending.items(), key=lambda item: item[0]):
            table = tables[name]
            columns = HOUR_COUNTS if name == ReportHour.__tablename__ else AGENT_HOUR_COUNTS
            values = dict(key) | dict.fromkeys(columns, 0) | counts
            increments = {column: table.c[column] + n for column, n in counts.items()}
            upsert(session, table, values, [k for k, _ in key], increments)
        self._pending.clear()


def _forget(session: Session, ticket_id: int) -> None:
    """Take the ticket's rows out of the hourly sums, before they are made anew."""
    sums = HourlySums()
    for row in session.scalars(select(ReportEvent).where(ReportEvent.ticket_id == ticket_id)):
        counts = {
            "events": 1,
            "closes": int(row.closes),
            "reopened": int(row.reopened_at is not None),
            "wrong_routing": int(row.wrong_routing),
            "first_contact": int(row.first_contact),
        }
        sums.count(row, sign=-1, **counts)
    sums.write(session)


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
    # What an agent undid never happened, as far as the figures go.
    undone = undone_seqs((e.seq, e.action, e.detail) for e in history)
    record(session, ticket, [e for e in history if e.seq not in undone], shape)
