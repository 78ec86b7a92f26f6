"""Agents, their groups and bearer tokens (only a hash of each token is stored), and the
administration of them: every change is recorded with who made it and when."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.projects import GroupError, Projects
from ticketflow.store.models import Agent, AgentChange, utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")


@dataclass(frozen=True)
class AgentIdentity:
    name: str
    groups: frozenset[str]


@dataclass(frozen=True)
class AgentInfo:
    """An agent as administrators see it (no token, no hash)."""

    name: str
    groups: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class ChangeRecord:
    agent: str
    change: str
    detail: str | None
    actor: str
    at: datetime


class AgentError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_groups(groups: Iterable[str], projects: Projects) -> list[str]:
    """The groups named with their projects (`mail/first-line`), sorted; AgentError says
    which name is unknown or ambiguous, and the choices."""
    names = [g.strip() for g in groups if g.strip()]
    if not names:
        raise AgentError("an agent needs at least one group")
    try:
        return sorted({projects.qualify(name) for name in names})
    except GroupError as exc:
        raise AgentError(str(exc)) from None


@dataclass(frozen=True)
class AgentAdmin:
    """Changes to agents, each recorded as made by `actor` (an admin, or `user (cli)`)."""

    sessions: sessionmaker[Session]
    projects: Projects
    actor: str

    def add(self, name: str, groups: Iterable[str]) -> str:
        """Create an agent; returns the bearer token, which exists nowhere else afterwards."""
        if not NAME_RE.match(name):
            raise AgentError(f"invalid agent name {name!r}: use letters, digits and _.@-")
        clean = check_groups(groups, self.projects)
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            if session.scalar(select(Agent.id).where(Agent.name == name)) is not None:
                raise AgentError(f"agent {name!r} already exists")
            session.add(Agent(name=name, token_hash=hash_token(token), groups=",".join(clean)))
            self._record(session, name, "created", ",".join(clean))
        return token

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """Disable or enable an agent; False when it already was so (nothing recorded)."""
        with self.sessions.begin() as session:
            agent = _agent(session, name)
            if (agent.disabled_at is not None) == disabled:
                return False
            agent.disabled_at = utcnow() if disabled else None
            self._record(session, name, "disabled" if disabled else "enabled", None)
            return True

    def set_groups(self, name: str, groups: Iterable[str]) -> list[str]:
        clean = check_groups(groups, self.projects)
        with self.sessions.begin() as session:
            agent = _agent(session, name)
            before, agent.groups = agent.groups, ",".join(clean)
            self._record(session, name, "groups", f"{before} -> {agent.groups}")
        return clean

    def reset_token(self, name: str) -> str:
        """A new token for the agent; the old one stops working at once."""
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            _agent(session, name).token_hash = hash_token(token)
            self._record(session, name, "token", "reset")
        return token

    def _record(self, session: Session, agent: str, change: str, detail: str | None) -> None:
        session.add(AgentChange(agent=agent, change=change, detail=detail, actor=self.actor))


def list_agents(sessions: sessionmaker[Session]) -> list[AgentInfo]:
    with sessions() as session:
        return [
            AgentInfo(a.name, tuple(a.groups.split(",")), a.created_at, a.disabled_at)
            for a in session.scalars(select(Agent).order_by(Agent.name))
        ]


def agent_changes(sessions: sessionmaker[Session], name: str | None = None) -> list[ChangeRecord]:
    query = select(AgentChange).order_by(AgentChange.id)
    if name is not None:
        query = query.where(AgentChange.agent == name)
    with sessions() as session:
        return [
            ChangeRecord(c.agent, c.change, c.detail, c.actor, c.at) for c in session.scalars(query)
        ]


def agent_for_token(sessions: sessionmaker[Session], token: str) -> AgentIdentity | None:
    """The agent a token belongs to; None for an unknown, replaced or disabled agent's token."""
    with sessions() as session:
        agent = session.scalar(select(Agent).where(Agent.token_hash == hash_token(token)))
        if agent is None or agent.disabled_at is not None:
            return None
        return AgentIdentity(agent.name, frozenset(agent.groups.split(",")))


def _agent(session: Session, name: str) -> Agent:
    agent = session.scalar(select(Agent).where(Agent.name == name))
    if agent is None:
        raise AgentError(f"no agent {name!r}")
    return agent
