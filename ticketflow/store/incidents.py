"""Incidents in the read model: the incident's row, its linked tickets, and what each of
its two mails did to each ticket (sent, refused and why, skipped), counted for progress."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ticketflow.store.db import insert_missing
from ticketflow.store.models import (
    Article,
    ArticleAttachment,
    Incident,
    IncidentTicket,
    Ticket,
)
from ticketflow.tickets.articles import ArticleStatus
from ticketflow.tickets.incidents import TAKES_LINKS, IncidentState, Phase
from ticketflow.tickets.reasons import Reason

# What a phase's mail did to a ticket (none yet: pending).
SENT, REFUSED, SKIPPED = "sent", "refused", "skipped"


def _columns(phase: Phase) -> tuple[str, str, str]:
    """The row's draft, state and reason columns for `phase`."""
    prefix = "answer" if phase is Phase.ANSWER else "final"
    return f"{prefix}_draft_id", f"{prefix}_state", f"{prefix}_reason"


@dataclass(frozen=True)
class Progress:
    linked: int
    sent: int
    refused: int
    skipped: int
    pending: int  # waiting for the phase's mail (0 before it was ordered)


@dataclass(frozen=True)
class Waiting:
    """A linked ticket still waiting for a phase's mail, as a batch needs it."""

    ticket_id: int
    number: str
    state: str
    merged_into: str | None
    draft_id: int | None
    draft_taken: bool  # its workflow accepted the draft (a lost attempt's)


def link_tickets(
    session: Session, incident_id: int, ticket_ids: Iterable[int], by: str, at: datetime
) -> list[int]:
    """Link tickets, each once; the ids linked now (not before)."""
    ids = list(dict.fromkeys(ticket_ids))
    before = set(
        session.scalars(
            select(IncidentTicket.ticket_id).where(
                IncidentTicket.incident_id == incident_id, IncidentTicket.ticket_id.in_(ids)
            )
        )
    )
    new = [i for i in ids if i not in before]
    for ticket_id in new:
        values = {
            "incident_id": incident_id,
            "ticket_id": ticket_id,
            "linked_by": by,
            "linked_at": at,
        }
        insert_missing(session, IncidentTicket, values, ["incident_id", "ticket_id"])
    return new


def progress(session: Session, incident: Incident, phase: Phase) -> Progress:
    """How far `phase`'s mail is (pending counts once it is ordered)."""
    _, state, _ = _columns(phase)
    column = getattr(IncidentTicket, state)
    counted = session.execute(
        select(column, func.count())
        .where(IncidentTicket.incident_id == incident.id)
        .group_by(column)
    ).all()
    rows: dict[str | None, int] = {state: count for state, count in counted}
    linked = sum(rows.values())
    ordered = (incident.answered_by if phase is Phase.ANSWER else incident.closed_by) is not None
    return Progress(
        linked=linked,
        sent=rows.get(SENT, 0),
        refused=rows.get(REFUSED, 0),
        skipped=rows.get(SKIPPED, 0),
        pending=rows.get(None, 0) if ordered else 0,
    )


def _kept(reason: Reason) -> str:
    params = {name: str(value)[:500] for name, value in reason.params.items()}
    return json.dumps({"code": reason.code, "message": reason.message, "params": params})


def _read(kept: str | None) -> Reason:
    if not kept:
        return Reason("transition", "%(reason)s", {"reason": ""})
    found = json.loads(kept)
    return Reason(found["code"], found["message"], found["params"])


def refusals(
    session: Session, incident_id: int, phase: Phase, limit: int = 100
) -> list[tuple[str, Reason]]:
    """(ticket number, reason) of the tickets `phase`'s mail was refused for."""
    _, state, reason = _columns(phase)
    return [
        (number, _read(why))
        for number, why in session.execute(
            select(Ticket.number, getattr(IncidentTicket, reason))
            .join(Ticket, Ticket.id == IncidentTicket.ticket_id)
            .where(
                IncidentTicket.incident_id == incident_id,
                getattr(IncidentTicket, state) == REFUSED,
            )
            .order_by(Ticket.id)
            .limit(limit)
        ).all()
    ]


@dataclass(frozen=True)
class LinkedTicket:
    number: str
    state: str
    queue: str
    linked_by: str  # an agent, or "rule"
    answer: str | None  # what each mail did to it (None: pending, or not ordered)
    final: str | None


def linked_tickets(session: Session, incident_id: int, limit: int) -> list[LinkedTicket]:
    """The linked tickets, the latest linked first."""
    rows = session.execute(
        select(
            Ticket.number,
            Ticket.state,
            Ticket.queue,
            IncidentTicket.linked_by,
            IncidentTicket.answer_state,
            IncidentTicket.final_state,
        )
        .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
        .where(IncidentTicket.incident_id == incident_id)
        .order_by(IncidentTicket.linked_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    return [LinkedTicket(*row) for row in rows]


def waiting(session: Session, incident_id: int, phase: Phase, limit: int) -> list[Waiting]:
    """Up to `limit` linked tickets without `phase`'s mail yet, the lowest id first."""
    draft, state, _ = _columns(phase)
    draft_column = getattr(IncidentTicket, draft)
    target = Ticket.__table__.alias("target")
    rows = session.execute(
        select(
            Ticket.id, Ticket.number, Ticket.state, target.c.number, draft_column, Article.status
        )
        .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
        .outerjoin(target, target.c.id == Ticket.merged_into_id)
        .outerjoin(Article, Article.id == draft_column)
        .where(IncidentTicket.incident_id == incident_id, getattr(IncidentTicket, state).is_(None))
        .order_by(Ticket.id)
        .limit(limit)
    ).all()
    return [
        Waiting(
            ticket_id=ticket_id,
            number=number,
            state=ticket_state,
            merged_into=merged_into,
            draft_id=draft_id if status is not None else None,  # a draft gone is no draft
            draft_taken=status is not None and status != ArticleStatus.DRAFT,
        )
        for ticket_id, number, ticket_state, merged_into, draft_id, status in rows
    ]


def keep_draft(
    session: Session, incident_id: int, ticket_id: int, phase: Phase, draft_id: int
) -> None:
    draft, _, _ = _columns(phase)
    session.execute(
        update(IncidentTicket)
        .where(IncidentTicket.incident_id == incident_id, IncidentTicket.ticket_id == ticket_id)
        .values({draft: draft_id})
    )


def record(
    session: Session,
    incident_id: int,
    ticket_id: int,
    phase: Phase,
    outcome: str,
    reason: Reason | None = None,
) -> None:
    """What `phase`'s mail did to the ticket (once: a later word does not overwrite it)."""
    _, state, why = _columns(phase)
    session.execute(
        update(IncidentTicket)
        .where(
            IncidentTicket.incident_id == incident_id,
            IncidentTicket.ticket_id == ticket_id,
            getattr(IncidentTicket, state).is_(None),
        )
        .values({state: outcome, why: None if reason is None else _kept(reason)})
    )


def discard_refused_drafts(session: Session, incident_id: int, phase: Phase) -> None:
    """The drafts of the tickets `phase`'s mail was refused for: never sent, never shown."""
    draft, state, _ = _columns(phase)
    refused = select(getattr(IncidentTicket, draft)).where(
        IncidentTicket.incident_id == incident_id,
        getattr(IncidentTicket, state) == REFUSED,
        getattr(IncidentTicket, draft).is_not(None),
    )
    drafts = select(Article.id).where(
        Article.id.in_(refused), Article.status == ArticleStatus.DRAFT
    )
    session.execute(delete(ArticleAttachment).where(ArticleAttachment.article_id.in_(drafts)))
    session.execute(delete(Article).where(Article.id.in_(drafts.scalar_subquery())))


def remaining(session: Session, incident_id: int, phase: Phase) -> int:
    _, state, _ = _columns(phase)
    return (
        session.scalar(
            select(func.count()).where(
                IncidentTicket.incident_id == incident_id, getattr(IncidentTicket, state).is_(None)
            )
        )
        or 0
    )


def set_state(session: Session, incident_id: int, state: IncidentState) -> None:
    """The incident's state, as its workflow (the one writer) decided it."""
    session.execute(update(Incident).where(Incident.id == incident_id).values(state=state.value))


def with_rules(session: Session) -> list[Incident]:
    """The incidents whose rule links new tickets now (those taking links)."""
    return list(
        session.scalars(
            select(Incident).where(
                Incident.rule.is_not(None), Incident.state.in_([s.value for s in TAKES_LINKS])
            )
        )
    )


def incidents_of(session: Session, projects: Iterable[str], limit: int = 200) -> list[Incident]:
    """The projects' incidents, the newest first."""
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.project.in_(list(projects)))
            .order_by(Incident.id.desc())
            .limit(limit)
        )
    )
