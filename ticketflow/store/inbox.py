"""Raw messages as they arrive, kept before anything reads them, and the ones set aside.

A message is stored byte-exact first (`keep_raw`); reading it may then fail or run past
the limits, and the message stays, quarantined with the reason, or held when its sender
opened too many tickets. Administrators list, inspect, retry and drop those
(`ticketflow quarantine`, /api/v1/admin/quarantine).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.models import RawMessage
from ticketflow.store.webhook_tokens import Claim, claim_token

log = logging.getLogger("ticketflow.store.inbox")


class RawState(StrEnum):
    RECEIVED = "received"  # kept, not read yet (or its reading was cut short)
    READ = "read"  # an article of a ticket
    IGNORED = "ignored"  # a routing rule made no ticket of it
    DUPLICATE = "duplicate"  # a copy of a message read before (duplicate_of)
    QUARANTINED = "quarantined"  # unreadable, or past the reading limits
    HELD = "held"  # its sender was over the new-ticket limit
    DROPPED = "dropped"  # an administrator decided it makes no ticket


SET_ASIDE = (RawState.QUARANTINED, RawState.HELD)
MAX_PROBLEM = 500


@dataclass(frozen=True)
class Kept:
    raw_id: int
    state: RawState
    new: bool  # False: the same bytes were kept before


def raw_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def keep_raw(
    sessions: sessionmaker[Session],
    raw: bytes,
    envelope_to: list[str],
    source: str,
    now: datetime,
    claim: Claim | None = None,
) -> Kept:
    """Store the bytes (durably, in their own transaction); the same bytes again are the
    row kept before. A signed request's `claim` is taken in the same transaction:
    TokenUsed, and nothing kept, when its token is already claimed."""
    key = raw_key(raw)
    try:
        with sessions.begin() as session:
            if claim is not None:
                claim_token(session, claim, now)
            found = _kept(session, key)
            if found is not None:
                return found
            row = RawMessage(
                dedup_key=key,
                raw=raw,
                received_at=now,
                state=RawState.RECEIVED,
                source=source[:20],
                envelope=json.dumps(envelope_to[:100]) if envelope_to else None,
            )
            session.add(row)
            session.flush()
            return Kept(row.id, RawState.RECEIVED, new=True)
    except IntegrityError:
        # The same bytes delivered twice at once: the other delivery stored them.
        with sessions() as session:
            found = _kept(session, key)
        if found is None:
            raise
        return found


def _kept(session: Session, key: str) -> Kept | None:
    row = session.execute(
        select(RawMessage.id, RawMessage.state).where(RawMessage.dedup_key == key)
    ).first()
    return None if row is None else Kept(row.id, RawState(row.state), new=False)


def set_aside(
    sessions: sessionmaker[Session],
    raw_id: int,
    state: RawState,
    problem: str,
    project: str | None = None,
) -> None:
    """Quarantine (or hold) a kept message of `project` (None: the first project's), with
    the reason."""
    with sessions.begin() as session:
        session.execute(
            update(RawMessage)
            .where(RawMessage.id == raw_id)
            .values(state=state, problem=problem[:MAX_PROBLEM], project=project)
        )
    log.warning("raw message %d %s: %s", raw_id, state.value, problem)


@dataclass(frozen=True)
class SetAside:
    """A kept message that made no ticket, as an administrator reviews it."""

    raw_id: int
    state: RawState
    problem: str
    received_at: datetime
    source: str
    size: int


@dataclass(frozen=True)
class RawDetail:
    entry: SetAside
    raw: bytes
    envelope_to: list[str]


@dataclass(frozen=True)
class Reviewer:
    """Whose set-aside mail a reviewer sees: that of `projects` (a message of no known
    project is the `first` project's). None as a reviewer: the installation's operator,
    who sees all of it."""

    projects: frozenset[str]
    first: str

    def condition(self) -> ColumnElement[bool]:
        mine = RawMessage.project.in_(sorted(self.projects))
        if self.first in self.projects:
            return or_(mine, RawMessage.project.is_(None))
        return mine


def _reviewed(reviewer: Reviewer | None) -> ColumnElement[bool]:
    return true() if reviewer is None else reviewer.condition()


def list_set_aside(
    sessions: sessionmaker[Session],
    states: tuple[RawState, ...] = SET_ASIDE,
    limit: int = 100,
    before_id: int | None = None,
    reviewer: Reviewer | None = None,
) -> list[SetAside]:
    """Newest first; `before_id` pages on."""
    query = (
        select(
            RawMessage.id,
            RawMessage.state,
            RawMessage.problem,
            RawMessage.received_at,
            RawMessage.source,
            func.length(RawMessage.raw).label("size"),
        )
        .where(RawMessage.state.in_(states), _reviewed(reviewer))
        .order_by(RawMessage.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(RawMessage.id < before_id)
    with sessions() as session:
        return [_entry(row, row.size) for row in session.execute(query)]


def set_aside_detail(
    sessions: sessionmaker[Session], raw_id: int, reviewer: Reviewer | None = None
) -> RawDetail | None:
    """A message set aside (quarantined, held or dropped) that the reviewer may see; None
    for any other, stored or not."""
    with sessions() as session:
        row = session.scalar(
            select(RawMessage).where(
                RawMessage.id == raw_id,
                RawMessage.state.in_([*SET_ASIDE, RawState.DROPPED]),
                _reviewed(reviewer),
            )
        )
        return None if row is None else _detail(row)


def _detail(row: RawMessage) -> RawDetail:
    envelope = json.loads(row.envelope) if row.envelope else []
    return RawDetail(_entry(row, len(row.raw)), row.raw, envelope)


def reopen_for_reading(
    sessions: sessionmaker[Session], raw_id: int, reviewer: Reviewer | None = None
) -> bool:
    """Put a set-aside message back to be read; False if it is not set aside (for him)."""
    return _move(sessions, raw_id, SET_ASIDE, RawState.RECEIVED, reviewer)


def drop_set_aside(
    sessions: sessionmaker[Session], raw_id: int, reviewer: Reviewer | None = None
) -> bool:
    """Mark a set-aside message dropped: it stays stored, it makes no ticket."""
    return _move(sessions, raw_id, SET_ASIDE, RawState.DROPPED, reviewer)


def _move(
    sessions: sessionmaker[Session],
    raw_id: int,
    states: tuple[RawState, ...],
    to: RawState,
    reviewer: Reviewer | None,
) -> bool:
    with sessions.begin() as session:
        changed = session.execute(
            update(RawMessage)
            .where(RawMessage.id == raw_id, RawMessage.state.in_(states), _reviewed(reviewer))
            .values(state=to)
        ).rowcount  # type: ignore[attr-defined]
    return bool(changed)


def unread_since(sessions: sessionmaker[Session], before: datetime, limit: int) -> list[int]:
    """Messages kept but never read (their reader was cut short), oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(RawMessage.id)
                .where(RawMessage.state == RawState.RECEIVED, RawMessage.received_at < before)
                .order_by(RawMessage.id)
                .limit(limit)
            )
        )


def load_raw(sessions: sessionmaker[Session], raw_id: int) -> tuple[bytes, list[str]] | None:
    """A kept message's bytes and envelope, in any state (for reading it again)."""
    with sessions() as session:
        row = session.get(RawMessage, raw_id)
        if row is None:
            return None
        detail = _detail(row)
        return detail.raw, detail.envelope_to


def _entry(row: Row[Any] | RawMessage, size: int) -> SetAside:
    return SetAside(
        row.id, RawState(row.state), row.problem or "", row.received_at, row.source or "", size
    )
