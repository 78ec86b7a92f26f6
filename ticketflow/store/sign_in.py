"""Signing in to the console: agents' passwords (argon2 hashes, argon2-cffi), sessions (only
a hash of each cookie is kept, with the CSRF token its forms carry) and the limit on failed
sign-ins, per name from one client and per client, that makes guessing passwords slow."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.agents import HASHER, AgentIdentity, groups_of, hash_token
from ticketflow.store.models import Agent, ConsoleSession, SignInFailure, utcnow

# Compared against when the name is unknown, so that a wrong name takes as long as a
# wrong password and tells nothing of which names exist.
_UNKNOWN = HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class SignInLimits:
    # Within the window: then that name waits, from that address (an attacker elsewhere
    # cannot lock an agent out of his own desk by guessing his name).
    failures_per_name: int = 5
    failures_per_client: int = 20  # from one address, whatever the names
    window: timedelta = timedelta(minutes=15)
    # A session ends after this long without a request, and at the latest after `longest`.
    idle: timedelta = timedelta(hours=2)
    longest: timedelta = timedelta(hours=12)


class SignInRefused(ValueError):
    """Why a sign-in was refused, in words fit to show on the sign-in page: `message` with
    `%(name)s` places for `values` (so that the console can translate it)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message, self.values = message, values


@dataclass(frozen=True)
class ConsoleSeat:
    """A signed-in session: who, and the CSRF token every form of it must carry."""

    agent: AgentIdentity
    csrf: str
    language: str | None = None  # as he chose it; None: not yet


def sign_in(
    sessions: sessionmaker[Session],
    name: str,
    password: str,
    client: str,
    limits: SignInLimits,
    now: datetime | None = None,
) -> tuple[str, ConsoleSeat]:
    """A new session's cookie value and seat; SignInRefused with the reason otherwise.
    Every wrong name or password counts against the name and the client."""
    now = now or utcnow()
    name, client = name.strip()[:100], client[:100]
    try:
        return _sign_in(sessions, name, password, client, limits, now)
    except WrongPassword:
        # Counted in a transaction of its own: the refused one is rolled back. Counts
        # past any window go as new ones come, so guessing cannot grow the table for good.
        with sessions.begin() as session:
            session.execute(delete(SignInFailure).where(SignInFailure.at < now - 4 * limits.window))
            session.add(SignInFailure(name=name, client=client, at=now))
        raise SignInRefused("wrong name or password") from None


class WrongPassword(Exception):
    pass


def _sign_in(
    sessions: sessionmaker[Session],
    name: str,
    password: str,
    client: str,
    limits: SignInLimits,
    now: datetime,
) -> tuple[str, ConsoleSeat]:
    with sessions.begin() as session:
        _refuse_if_guessing(session, name, client, limits, now)
        agent = session.scalar(select(Agent).where(Agent.name == name))
        stored = agent.password_hash if agent is not None else None
        if not _matches(stored or _UNKNOWN, password) or agent is None or stored is None:
            raise WrongPassword
        if agent.disabled_at is not None:
            raise SignInRefused("this agent is disabled")
        if HASHER.check_needs_rehash(stored):
            agent.password_hash = HASHER.hash(password)
        session.execute(delete(SignInFailure).where(SignInFailure.name == name))
        # Sessions that have ended go when a new one begins.
        session.execute(
            delete(ConsoleSession).where(
                (ConsoleSession.ends_at <= now) | (ConsoleSession.seen_at <= now - limits.idle)
            )
        )
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(
            ConsoleSession(
                token_hash=hash_token(token),
                agent=name,
                csrf=csrf,
                created_at=now,
                seen_at=now,
                ends_at=now + limits.longest,
            )
        )
        seat = ConsoleSeat(AgentIdentity(name, frozenset(groups_of(agent))), csrf, agent.language)
        return token, seat


def _matches(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _refuse_if_guessing(
    session: Session, name: str, client: str, limits: SignInLimits, now: datetime
) -> None:
    since = now - limits.window
    for condition, most in (
        (
            and_(SignInFailure.name == name, SignInFailure.client == client),
            limits.failures_per_name,
        ),
        (SignInFailure.client == client, limits.failures_per_client),
    ):
        failed = session.scalar(select(func.count()).where(condition, SignInFailure.at >= since))
        if (failed or 0) >= most:
            minutes = round(limits.window.total_seconds() / 60)
            raise SignInRefused(
                "too many failed sign-ins; try again in %(minutes)s minutes", minutes=minutes
            )


def seat_for(
    sessions: sessionmaker[Session], token: str, limits: SignInLimits, now: datetime | None = None
) -> ConsoleSeat | None:
    """The session's seat, if it is current (and its agent enabled); its idle time starts
    again."""
    now = now or utcnow()
    with sessions.begin() as session:
        row = session.scalar(
            select(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token))
        )
        if row is None or row.ends_at <= now or row.seen_at + limits.idle <= now:
            return None
        agent = session.scalar(select(Agent).where(Agent.name == row.agent))
        if agent is None or agent.disabled_at is not None:
            return None
        if now - row.seen_at > timedelta(minutes=1):  # not a write on every click
            row.seen_at = now
        identity = AgentIdentity(agent.name, frozenset(groups_of(agent)))
        return ConsoleSeat(identity, row.csrf, agent.language)


def sign_out(sessions: sessionmaker[Session], token: str) -> None:
    with sessions.begin() as session:
        session.execute(
            delete(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token))
        )


def set_language(sessions: sessionmaker[Session], name: str, language: str) -> None:
    """The language the agent's console speaks (a preference: not in the audit log)."""
    with sessions.begin() as session:
        agent = session.scalar(select(Agent).where(Agent.name == name))
        if agent is not None:
            agent.language = language
