"""Agent administration for the admins of a project (`mail/admins`), and the audit log of
every change to agents, their groups and the projects' rights."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, status

from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.schemas import (
    AgentOut,
    AuditOut,
    GroupsBody,
    NewAgentBody,
    PasswordBody,
    TokenOut,
)
from ticketflow.components import Components
from ticketflow.desk.config import ADMIN_GROUP
from ticketflow.store.agents import (
    AgentAdmin,
    AgentError,
    AgentIdentity,
    Refusal,
    agent_changes,
    list_agents,
)

router = APIRouter(prefix="/api/v1", tags=["admin"])
T = TypeVar("T")
STATUS = {
    Refusal.INVALID: 422,  # the status constant changed its name between Starlette versions
    Refusal.UNKNOWN: status.HTTP_404_NOT_FOUND,
    Refusal.EXISTS: status.HTTP_409_CONFLICT,
    Refusal.OUTSIDE: status.HTTP_403_FORBIDDEN,
}
AgentName = Annotated[str, Query(max_length=100)]


def administered(components: ComponentsDep, agent: CurrentAgent) -> frozenset[str]:
    """The projects whose `admins` group the caller is in; 403 when none."""
    projects = components.projects
    mine = frozenset(
        p for p in projects.names if ADMIN_GROUP in projects.of_project(agent.groups, p)
    )
    if not mine:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only a project's admins may do this (such as mail/admins)"
        )
    return mine


Scope = Annotated[frozenset[str], Depends(administered)]


async def _admin_call(
    components: Components,
    agent: AgentIdentity,
    scope: frozenset[str],
    call: Callable[[AgentAdmin], T],
) -> T:
    admin = AgentAdmin(components.sessions, components.projects, agent.name, scope)
    try:
        return await asyncio.to_thread(call, admin)
    except AgentError as exc:
        raise HTTPException(STATUS[exc.kind], str(exc)) from None


@router.get("/admin/agents", response_model=list[AgentOut])
async def get_agents(components: ComponentsDep, scope: Scope) -> list[AgentOut]:
    """The agents of the projects the caller administers."""
    agents = await asyncio.to_thread(list_agents, components.sessions, components.projects, scope)
    return [AgentOut.model_validate(vars(a)) for a in agents]


@router.post("/admin/agents", response_model=TokenOut, status_code=status.HTTP_201_CREATED)
async def post_agent(
    body: NewAgentBody, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> TokenOut:
    """A new agent in groups of the caller's projects; its token is shown this once."""
    token = await _admin_call(components, agent, scope, lambda a: a.add(body.name, body.groups))
    return TokenOut(name=body.name, token=token)


@router.put("/admin/agents/{name}/groups", response_model=AgentOut)
async def put_groups(
    name: str, body: GroupsBody, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> AgentOut:
    """The agent's groups in the caller's projects; his groups in other projects stay."""
    return await _changed(components, agent, scope, name, lambda a: a.set_groups(name, body.groups))


@router.post("/admin/agents/{name}/disable", response_model=AgentOut)
async def post_disable(
    name: str, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> AgentOut:
    """His token is refused from now on; he stays, as tickets and history name him."""
    return await _changed(components, agent, scope, name, lambda a: a.set_disabled(name, True))


@router.post("/admin/agents/{name}/enable", response_model=AgentOut)
async def post_enable(
    name: str, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> AgentOut:
    return await _changed(components, agent, scope, name, lambda a: a.set_disabled(name, False))


@router.put("/admin/agents/{name}/password", response_model=AgentOut)
async def put_password(
    name: str, body: PasswordBody, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> AgentOut:
    """His console password (at least 10 characters); his console sessions end."""
    return await _changed(
        components, agent, scope, name, lambda a: a.set_password(name, body.password)
    )


@router.post("/admin/agents/{name}/token", response_model=TokenOut)
async def post_token(
    name: str, components: ComponentsDep, agent: CurrentAgent, scope: Scope
) -> TokenOut:
    """A new token, shown this once; the old one is refused at once."""
    token = await _admin_call(components, agent, scope, lambda a: a.reset_token(name))
    return TokenOut(name=name, token=token)


@router.get("/audit", response_model=list[AuditOut])
async def get_audit(
    components: ComponentsDep,
    scope: Scope,
    agent: AgentName | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """Changes to agents, their groups and the rights of the caller's projects, oldest
    first (the newest `limit`): who made each, when, and what it was."""
    changes = await asyncio.to_thread(agent_changes, components.sessions, agent, scope, limit)
    return [AuditOut.model_validate(vars(c)) for c in changes]


async def _changed(
    components: Components,
    agent: AgentIdentity,
    scope: frozenset[str],
    name: str,
    change: Callable[[AgentAdmin], object],
) -> AgentOut:
    """Make the change; the agent as it is afterwards."""
    await _admin_call(components, agent, scope, change)
    agents = await asyncio.to_thread(list_agents, components.sessions)
    return next(AgentOut.model_validate(vars(a)) for a in agents if a.name == name)
