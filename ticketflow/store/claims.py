"""Customers' sealed claims and their verifications, as rows.

The store never sees a claim's value: the caller seals (ticketflow.accounts.sealing) with
the row's binding, which names the row's id, so a row is added first and sealed after.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.payloads import AccessCase
from ticketflow.store.models import HistoryEvent, SealedClaims, Ticket, Verification, utcnow
from ticketflow.tickets.lifecycle import DECISIONS, Action, State


def binding(claims_id: int, ticket_id: int) -> str:
    """What a claims row's seal is bound to: it opens for this row of this ticket only."""
    return f"claims:{claims_id}:ticket:{ticket_id}"


def add_claims(
    sessions: sessionmaker[Session],
    ticket_id: int,
    names: Sequence[str],
    seal: Callable[[str], bytes],
    recorded_by: str,
) -> int:
    """A new claims row of the ticket, sealed by `seal(binding)`; its id."""
    with sessions.begin() as session:
        row = SealedClaims(
            ticket_id=ticket_id, sealed=b"", names=",".join(names), recorded_by=recorded_by
        )
        session.add(row)
        session.flush()
        row.sealed = seal(binding(row.id, ticket_id))
        return row.id


def drop_claims(sessions: sessionmaker[Session], claims_id: int) -> None:
    """A row the ticket's workflow refused to take (its action was refused)."""
    with sessions.begin() as session:
        session.execute(delete(SealedClaims).where(SealedClaims.id == claims_id))


def claims_row(session: Session, claims_id: int) -> SealedClaims | None:
    return session.get(SealedClaims, claims_id)


@dataclass(frozen=True)
class StoredVerification:
    claims_id: int
    account_found: bool
    verdicts: list[dict[str, str]]
    changes: list[dict[str, str]]
    verified_at: datetime


def record_verification(
    session: Session,
    ticket_id: int,
    claims_id: int,
    account_found: bool,
    verdicts: Sequence[Mapping[str, str]],
    changes: Sequence[Mapping[str, str]],
) -> None:
    session.add(
        Verification(
            ticket_id=ticket_id,
            claims_id=claims_id,
            account_found=account_found,
            verdicts=json.dumps(list(verdicts)),
            changes=json.dumps(list(changes)),
        )
    )


def latest_verification(session: Session, ticket_id: int) -> StoredVerification | None:
    row = session.scalars(
        select(Verification)
        .where(Verification.ticket_id == ticket_id)
        .order_by(Verification.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return StoredVerification(
        claims_id=row.claims_id,
        account_found=row.account_found,
        verdicts=json.loads(row.verdicts),
        changes=json.loads(row.changes),
        verified_at=row.verified_at,
    )


def latest_claims_names(session: Session, ticket_id: int) -> list[str] | None:
    """The item names of the ticket's current claims (None: none recorded or purged)."""
    names = session.scalars(
        select(SealedClaims.names)
        .where(SealedClaims.ticket_id == ticket_id)
        .order_by(SealedClaims.id.desc())
        .limit(1)
    ).first()
    return None if names is None else [n for n in names.split(",") if n]


def purge_claims(
    sessions: sessionmaker[Session], purge_days: Mapping[str, float], now: datetime | None = None
) -> int:
    """Destroy the claims of every ticket closed longer ago than its project's
    `purge_days` (a project not named keeps none past 30 days); how many rows went."""
    now = now or utcnow()
    gone = 0
    with sessions.begin() as session:
        projects = set(
            session.scalars(
                select(Ticket.project)
                .join(SealedClaims, SealedClaims.ticket_id == Ticket.id)
                .distinct()
            )
        )
        for project in projects:
            before = now - timedelta(days=purge_days.get(project, 30))
            closed = select(Ticket.id).where(
                Ticket.project == project,
                Ticket.state == State.CLOSED.value,
                Ticket.updated_at <= before,
            )
            found = select(SealedClaims.id).where(SealedClaims.ticket_id.in_(closed))
            ids = list(session.scalars(found))
            if ids:
                session.execute(delete(SealedClaims).where(SealedClaims.id.in_(ids)))
            gone += len(ids)
    return gone


def access_case(session: Session, ticket_id: int) -> AccessCase | None:
    """A stored ticket's Passwords progress, for a new run: its current claims (unless
    purged), whether they were verified since, and the decision taken on them."""
    claims_id = session.scalars(
        select(SealedClaims.id)
        .where(SealedClaims.ticket_id == ticket_id)
        .order_by(SealedClaims.id.desc())
        .limit(1)
    ).first()
    steps = (Action.CLAIMS.value, Action.VERIFY.value, *(d.value for d in DECISIONS))
    last = list(
        session.scalars(
            select(HistoryEvent.action)
            .where(HistoryEvent.ticket_id == ticket_id, HistoryEvent.action.in_(steps))
            .order_by(HistoryEvent.seq.desc())
            .limit(2)
        )
    )
    if claims_id is None and not last:
        return None  # never a Passwords case
    decision = last[0] if last and last[0] in {d.value for d in DECISIONS} else None
    verified = bool(last) and (last[0] == Action.VERIFY.value or decision is not None)
    return AccessCase(claims_id=claims_id, verified=verified, decision=decision)


def latest_decision(session: Session, ticket_id: int) -> HistoryEvent | None:
    """The decision taken on the ticket's current claims (its history entry), if any."""
    steps = (Action.CLAIMS.value, *(d.value for d in DECISIONS))
    last = session.scalars(
        select(HistoryEvent)
        .where(HistoryEvent.ticket_id == ticket_id, HistoryEvent.action.in_(steps))
        .order_by(HistoryEvent.seq.desc())
        .limit(1)
    ).first()
    return last if last is not None and last.action != Action.CLAIMS.value else None
