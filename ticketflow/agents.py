"""Agents and their bearer tokens: only a hash of each token is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.models import Agent

NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")


@dataclass(frozen=True)
class AgentIdentity:
    name: str
    groups: frozenset[str]


class AgentError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_agent(sessions: sessionmaker[Session], name: str, groups: list[str]) -> str:
    """Create an agent; returns the bearer token, which exists nowhere else afterwards."""
    if not NAME_RE.match(name):
        raise AgentError(f"invalid agent name {name!r}: use letters, digits and _.@-")
    clean_groups = sorted({g.strip() for g in groups if g.strip()})
    if not clean_groups:
        raise AgentError("an agent needs at least one group")
    token = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        if session.scalar(select(Agent.id).where(Agent.name == name)) is not None:
            raise AgentError(f"agent {name!r} already exists")
        session.add(Agent(name=name, token_hash=hash_token(token), groups=",".join(clean_groups)))
    return token


def agent_for_token(sessions: sessionmaker[Session], token: str) -> AgentIdentity | None:
    with sessions() as session:
        agent = session.scalar(select(Agent).where(Agent.token_hash == hash_token(token)))
        if agent is None:
            return None
        return AgentIdentity(agent.name, frozenset(agent.groups.split(",")))
