"""Agent administration for the admins of a project (`mail/admins`), and the audit log of
every change to agents, their groups and the projects' rights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.problems import AGENT_BODY_ROUTE, problems
from ticketflow.service.admin import Admin
from ticketflow.service.shapes import (
    AgentOut,
    AuditOut,
    GroupsBody,
    NewAgentBody,
    PasswordBody,
    TokenOut,
)

# 403: the caller administers no project (or not the agent's).
router = APIRouter(prefix="/api/v1", tags=["admin"], responses=AGENT_BODY_ROUTE | problems(403))
AgentName = Annotated[str, Query(max_length=100)]


def administrator(components: ComponentsDep, agent: CurrentAgent) -> Admin:
    """The caller as an administrator of his projects; 403 when he administers none."""
    return Admin(components, agent)


AdminDep = Annotated[Admin, Depends(administrator)]


@router.get("/admin/agents", response_model=list[AgentOut])
async def get_agents(admin: AdminDep) -> list[AgentOut]:
    """The agents of the projects the caller administers."""
    return await admin.agents()


@router.post(
    "/admin/agents",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
)
async def post_agent(body: NewAgentBody, admin: AdminDep) -> TokenOut:
    """A new agent in groups of the caller's projects; its token is shown this once."""
    return TokenOut(name=body.name, token=await admin.do_add(body.name, body.groups))


@router.put("/admin/agents/{name}/groups", response_model=AgentOut, responses=problems(404, 409))
async def put_groups(name: str, body: GroupsBody, admin: AdminDep) -> AgentOut:
    """The agent's groups in the caller's projects; his groups in other projects stay."""
    return await admin.do_set_groups(name, body.groups)


@router.post("/admin/agents/{name}/disable", response_model=AgentOut, responses=problems(404, 409))
async def post_disable(name: str, admin: AdminDep) -> AgentOut:
    """His token is refused from now on; he stays, as tickets and history name him."""
    return await admin.do_set_disabled(name, True)


@router.post("/admin/agents/{name}/enable", response_model=AgentOut, responses=problems(404))
async def post_enable(name: str, admin: AdminDep) -> AgentOut:
    return await admin.do_set_disabled(name, False)


@router.put("/admin/agents/{name}/password", response_model=AgentOut, responses=problems(404))
async def put_password(name: str, body: PasswordBody, admin: AdminDep) -> AgentOut:
    """His console password (at least 10 characters); his console sessions end."""
    return await admin.do_set_password(name, body.password)


@router.post("/admin/agents/{name}/token", response_model=TokenOut, responses=problems(404))
async def post_token(name: str, admin: AdminDep) -> TokenOut:
    """A new token, shown this once; the old one is refused at once."""
    return TokenOut(name=name, token=await admin.do_reset_token(name))


@router.get("/audit", response_model=list[AuditOut])
async def get_audit(
    admin: AdminDep,
    agent: AgentName | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """Changes to agents, their groups and the rights of the caller's projects, oldest
    first (the newest `limit`): who made each, when, and what it was."""
    return await admin.audit(agent, limit)
