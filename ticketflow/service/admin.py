"""Administration: the agents of the projects an admin administers (their groups, tokens,
passwords, whether they may sign in), the audit log, and the mail kept for review. The
policy says who administers what; `AgentAdmin` keeps each change within those projects
and records it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TypeVar

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.inbound import retry_set_aside
from ticketflow.engine.tickets import TemporalUnavailable
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Forbidden, Invalid, NotFound, Refusal, Refused, TryLater
from ticketflow.service.shapes import AgentOut, AuditOut, InboundResult, SetAsideOut
from ticketflow.store.agents import (
    AgentAdmin,
    AgentError,
    AgentIdentity,
    agent_changes,
    list_agents,
)
from ticketflow.store.agents import (
    Refusal as AgentRefusal,
)
from ticketflow.store.inbox import (
    SET_ASIDE,
    RawDetail,
    RawState,
    Reviewer,
    drop_set_aside,
    list_set_aside,
    set_aside_detail,
)

T = TypeVar("T")
# How each refusal of the agents' administration is told.
KINDS: Mapping[AgentRefusal, tuple[type[Refusal], str]] = {
    AgentRefusal.INVALID: (Invalid, "agent-invalid"),
    AgentRefusal.UNKNOWN: (NotFound, "agent-unknown"),
    AgentRefusal.EXISTS: (Refused, "agent-exists"),
    AgentRefusal.OUTSIDE: (Forbidden, "agent-outside"),
    AgentRefusal.LAST_ADMIN: (Refused, "agent-last-admin"),
}


class Admin:
    """An administrator: the projects he administers (Forbidden when none)."""

    def __init__(self, components: Components, agent: AgentIdentity) -> None:
        self.components = components
        self.agent = agent
        self.scope = policy_of(components.projects).administered(agent)

    async def _do(self, change: Callable[[AgentAdmin], T]) -> T:
        admin = AgentAdmin(
            self.components.sessions, self.components.projects, self.agent.name, self.scope
        )
        try:
            return await asyncio.to_thread(change, admin)
        except AgentError as exc:
            kind, code = KINDS[exc.kind]
            raise kind(code, reason=str(exc)) from None

    async def agents(self) -> list[AgentOut]:
        found = await asyncio.to_thread(
            list_agents, self.components.sessions, self.components.projects, self.scope
        )
        return [AgentOut.model_validate(vars(a)) for a in found]

    async def do_add(self, name: str, groups: list[str]) -> str:
        """A new agent in groups of his projects; its token, shown this once."""
        return await self._do(lambda a: a.add(name, groups))

    async def do_set_groups(self, name: str, groups: list[str]) -> AgentOut:
        return await self._changed(name, lambda a: a.set_groups(name, groups))

    async def do_set_disabled(self, name: str, disabled: bool) -> AgentOut:
        return await self._changed(name, lambda a: a.set_disabled(name, disabled))

    async def do_set_password(self, name: str, password: str) -> AgentOut:
        return await self._changed(name, lambda a: a.set_password(name, password))

    async def do_reset_token(self, name: str) -> str:
        return await self._do(lambda a: a.reset_token(name))

    async def audit(self, agent: str | None, limit: int) -> list[AuditOut]:
        found = await asyncio.to_thread(
            agent_changes, self.components.sessions, agent, self.scope, limit
        )
        return [AuditOut.model_validate(vars(c)) for c in found]

    async def _changed(self, name: str, change: Callable[[AgentAdmin], object]) -> AgentOut:
        """Make the change; the agent as it is afterwards."""
        await self._do(change)
        everyone = await asyncio.to_thread(list_agents, self.components.sessions)
        return next(AgentOut.model_validate(vars(a)) for a in everyone if a.name == name)


class Quarantine:
    """Mail kept for its project's administrators: quarantined (unreadable, past the
    reading limits) or held (its sender over the new-ticket limit), and what they dropped.
    An administrator sees only what was set aside, of the projects where he may handle it
    (Forbidden where none); any other message is the NotFound of an unknown one."""

    def __init__(self, components: Components, agent: AgentIdentity) -> None:
        projects = policy_of(components.projects).quarantine_scope(agent)
        self.reviewer = Reviewer(projects, components.projects.first.name)
        self.components = components

    async def kept(
        self, state: RawState | None, before: int | None, limit: int
    ) -> list[SetAsideOut]:
        states = (state,) if state is not None else SET_ASIDE
        sessions, reviewer = self.components.sessions, self.reviewer
        found = await asyncio.to_thread(list_set_aside, sessions, states, limit, before, reviewer)
        return [SetAsideOut.of(e) for e in found]

    async def detail(self, raw_id: int) -> RawDetail:
        sessions = self.components.sessions
        found = await asyncio.to_thread(set_aside_detail, sessions, raw_id, self.reviewer)
        if found is None:
            raise NotFound("kept-unknown")
        return found

    async def do_retry(self, client: Client, raw_id: int) -> InboundResult:
        """Read it again with the current limits (a held one past the sender limit)."""
        try:
            retried = await retry_set_aside(self.components, client, raw_id, self.reviewer)
        except TemporalUnavailable as exc:
            raise TryLater(
                "stored-not-told",
                reason="read and stored, but its ticket could not be told; "
                "the worker's sweep tells it",
            ) from exc
        if retried is None:
            raise NotFound("kept-unknown")
        return InboundResult.of(retried.result)

    async def do_drop(self, raw_id: int) -> None:
        """It makes no ticket; its bytes stay stored."""
        sessions = self.components.sessions
        if not await asyncio.to_thread(drop_set_aside, sessions, raw_id, self.reviewer):
            raise NotFound("kept-unknown")
