"""Agents, their groups and bearer tokens (only a hash of each token is stored), and the
administration of them: every change is recorded with who made it, when, and the projects
it concerns (the audit log), as is every change of a project's rights in the desk config."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.projects import GroupError, Projects
from ticketflow.store.models import Agent, AgentChange, ConsoleSession, ProjectRights, utcnow
from ticketflow.tickets.rights import DeskRight

NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
# The console's passwords (argon2id with the library's current parameters).
HASHER = PasswordHasher()
MIN_PASSWORD, MAX_PASSWORD = 10, 200
# Who changes rights: the desk config file, read when a process starts.
DESK_CONFIG_ACTOR = "desk config"


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
    projects: tuple[str, ...] = ()


class Refusal(StrEnum):
    """Why an administration request is refused (the API answers each its own way)."""

    INVALID = "invalid"
    UNKNOWN = "unknown"
    EXISTS = "exists"
    OUTSIDE = "outside"  # beyond the projects the administrator administers
    LAST_ADMIN = "last-admin"  # the change would leave a project with no one to administer it


class AgentError(ValueError):
    def __init__(self, reason: str, kind: Refusal = Refusal.INVALID) -> None:
        super().__init__(reason)
        self.kind = kind


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
    """Changes to agents, each recorded as made by `actor` (an admin, or `user (cli)`).
    `scope`: the projects the actor administers (None: all, as on the command line); he
    adds agents to their groups, changes those groups only, and disables or gives a new
    token only to agents of no other project."""

    sessions: sessionmaker[Session]
    projects: Projects
    actor: str
    scope: frozenset[str] | None = None

    def add(self, name: str, groups: Iterable[str]) -> str:
        """Create an agent; returns the bearer token, which exists nowhere else afterwards."""
        if not NAME_RE.match(name):
            raise AgentError(f"invalid agent name {name!r}: use letters, digits and _.@-")
        clean = check_groups(groups, self.projects)
        self._check_scope(clean)
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            if session.scalar(select(Agent.id).where(Agent.name == name)) is not None:
                raise AgentError(f"agent {name!r} already exists", Refusal.EXISTS)
            session.add(Agent(name=name, token_hash=hash_token(token), groups=",".join(clean)))
            self._record(session, name, "created", ",".join(clean), clean)
        return token

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """Disable or enable an agent; False when it already was so (nothing recorded)."""
        with self.sessions.begin() as session:
            agent = self._agent_all_mine(session, name)
            if (agent.disabled_at is not None) == disabled:
                return False
            if disabled:
                self._keep_an_admin(session, name, [], enabled=False)
            agent.disabled_at = utcnow() if disabled else None
            if disabled:
                end_sessions_of(session, name)
            change = "disabled" if disabled else "enabled"
            self._record(session, name, change, None, groups_of(agent))
            return True

    def set_groups(self, name: str, groups: Iterable[str]) -> list[str]:
        """The agent's groups in the administered projects become `groups`; those of
        other projects stay."""
        clean = check_groups(groups, self.projects)
        self._check_scope(clean)
        with self.sessions.begin() as session:
            agent = _agent(session, name)
            before = groups_of(agent)
            if self.scope is not None and not self._mine(before):
                raise _unknown(name)  # an agent of other projects only: none of his business
            kept = [g for g in before if not self._mine([g])]
            after = sorted(set(kept) | set(clean))
            self._keep_an_admin(session, name, after, enabled=agent.disabled_at is None)
            agent.groups = ",".join(after)
            self._record(
                session, name, "groups", f"{','.join(before)} -> {agent.groups}", before + after
            )
        return after

    def set_password(self, name: str, password: str) -> None:
        """The agent's console password; his console sessions end."""
        problem = password_problem(password)
        if problem is not None:
            raise AgentError(problem)
        with self.sessions.begin() as session:
            agent = self._agent_all_mine(session, name)
            agent.password_hash = HASHER.hash(password)
            end_sessions_of(session, name)
            self._record(session, name, "password", "set", groups_of(agent))

    def reset_token(self, name: str) -> str:
        """A new token for the agent; the old one stops working at once."""
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            agent = self._agent_all_mine(session, name)
            agent.token_hash = hash_token(token)
            self._record(session, name, "token", "reset", groups_of(agent))
        return token

    def _keep_an_admin(
        self, session: Session, name: str, groups: Collection[str], *, enabled: bool
    ) -> None:
        """An administrator may not leave a project he administers with no one to
        administer it (himself disabled, or his last admin's group taken away); the
        command line, which any operator of the installation runs, may."""
        if self.scope is None:
            return
        others = session.execute(
            select(Agent.groups).where(Agent.disabled_at.is_(None), Agent.name != name)
        ).scalars()
        staff = [groups_of_text(g) for g in others] + ([list(groups)] if enabled else [])
        for project in sorted(self.scope):
            if not any(self._administers(g, project) for g in staff):
                raise AgentError(
                    f"{name} is the last admin of {project}: make another one first",
                    Refusal.LAST_ADMIN,
                )

    def _administers(self, groups: Collection[str], project: str) -> bool:
        desk = self.projects.desk(project)
        return DeskRight.AGENTS in desk.project_rights(self.projects.of_project(groups, project))

    def _mine(self, groups: Collection[str]) -> bool:
        """Whether any of `groups` is of a project the actor administers."""
        if self.scope is None:
            return True
        return bool(set(self.projects.projects_of(groups)) & self.scope)

    def _check_scope(self, groups: Collection[str]) -> None:
        if self.scope is None:
            return
        outside = sorted(set(self.projects.projects_of(groups)) - self.scope)
        if outside:
            raise AgentError(
                f"you administer {', '.join(sorted(self.scope))}, not {', '.join(outside)}",
                Refusal.OUTSIDE,
            )

    def _agent_all_mine(self, session: Session, name: str) -> Agent:
        agent = _agent(session, name)
        groups = groups_of(agent)
        if not self._mine(groups):
            raise _unknown(name)
        self._check_scope(groups)  # he works elsewhere too: not one project's to switch off
        return agent

    def _record(
        self, session: Session, agent: str, change: str, detail: str | None, groups: Iterable[str]
    ) -> None:
        projects = self.projects.projects_of(groups)
        session.add(
            AgentChange(
                agent=agent,
                change=change,
                detail=detail,
                actor=self.actor,
                projects=_project_list(projects),
            )
        )


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"a password has at most {MAX_PASSWORD} characters"
    return None


def end_sessions_of(session: Session, name: str) -> None:
    """A new password, or a disabled agent: his console sessions end at once."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.agent == name))


def groups_of(agent: Agent) -> list[str]:
    return groups_of_text(agent.groups)


def groups_of_text(text: str) -> list[str]:
    return [g for g in text.split(",") if g]


def record_rights(sessions: sessionmaker[Session], projects: Projects) -> list[str]:
    """Record in the audit log each project whose groups' rights differ from those last
    seen (the first time: as set); returns those projects."""
    changed = []
    with sessions.begin() as session:
        for project in projects:
            table = project.desk.rights_table()
            text = json.dumps(table, sort_keys=True, separators=(",", ":"))
            seen = session.get(ProjectRights, project.name)
            if seen is not None and seen.rights == text:
                continue
            before = json.loads(seen.rights) if seen is not None else {}
            detail = rights_change(before, table)
            session.add(
                AgentChange(
                    agent="",
                    change="rights",
                    detail=detail[:1000],
                    actor=DESK_CONFIG_ACTOR,
                    projects=_project_list([project.name]),
                )
            )
            if seen is None:
                session.add(
                    ProjectRights(project=project.name, rights=text, namespace=project.namespace)
                )
            else:
                seen.rights, seen.seen_at = text, utcnow()
            changed.append(project.name)
    return changed


def rights_change(
    before: dict[str, dict[str, list[str]]], after: dict[str, dict[str, list[str]]]
) -> str:
    """`group queue: old -> new` for each (group, queue) whose rights changed."""
    parts = []
    for group in sorted(set(before) | set(after)):
        old, new = before.get(group, {}), after.get(group, {})
        for queue in sorted(set(old) | set(new)):
            if old.get(queue) != new.get(queue):
                was = ",".join(old.get(queue, [])) or "none"
                now = ",".join(new.get(queue, [])) or "none"
                parts.append(f"{group} {queue}: {was} -> {now}")
    return "; ".join(parts)


def list_agents(
    sessions: sessionmaker[Session],
    projects: Projects | None = None,
    scope: Collection[str] | None = None,
) -> list[AgentInfo]:
    """Every agent; with `scope`, those with a group in one of its projects."""
    with sessions() as session:
        agents = [
            AgentInfo(a.name, tuple(groups_of(a)), a.created_at, a.disabled_at)
            for a in session.scalars(select(Agent).order_by(Agent.name))
        ]
    if scope is None or projects is None:
        return agents
    return [a for a in agents if set(projects.projects_of(a.groups)) & set(scope)]


def agent_changes(
    sessions: sessionmaker[Session],
    name: str | None = None,
    scope: Collection[str] | None = None,
    limit: int | None = None,
) -> list[ChangeRecord]:
    """The audit log, oldest first (the newest `limit`); of one agent, and of the changes
    concerning the projects of `scope`."""
    query = select(AgentChange).order_by(AgentChange.id.desc())
    if name is not None:
        query = query.where(AgentChange.agent == name)
    if scope is not None:
        query = query.where(or_(*(AgentChange.projects.contains(f",{p},") for p in scope)))
    if limit is not None:
        query = query.limit(limit)
    with sessions() as session:
        rows = list(session.scalars(query))
    return [
        ChangeRecord(
            c.agent,
            c.change,
            c.detail,
            c.actor,
            c.at,
            tuple(p for p in (c.projects or "").split(",") if p),
        )
        for c in reversed(rows)
    ]


def agent_for_token(sessions: sessionmaker[Session], token: str) -> AgentIdentity | None:
    """The agent a token belongs to; None for an unknown, replaced or disabled agent's token."""
    with sessions() as session:
        agent = session.scalar(select(Agent).where(Agent.token_hash == hash_token(token)))
        if agent is None or agent.disabled_at is not None:
            return None
        return AgentIdentity(agent.name, frozenset(groups_of(agent)))


def _agent(session: Session, name: str) -> Agent:
    agent = session.scalar(select(Agent).where(Agent.name == name))
    if agent is None:
        raise _unknown(name)
    return agent


def _unknown(name: str) -> AgentError:
    return AgentError(f"no agent {name!r}", Refusal.UNKNOWN)


def _project_list(projects: Iterable[str]) -> str:
    return "," + ",".join(sorted(set(projects))) + ","
