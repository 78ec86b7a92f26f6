"""FastAPI dependencies: the process's components, its Temporal client, the calling agent."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.desk.config import ADMIN_GROUP
from ticketflow.desk.projects import qualified
from ticketflow.store.agents import AgentIdentity, agent_for_token
from ticketflow.store.queries import ROW_ID_MAX

_bearer = HTTPBearer(auto_error=False, description="An agent's token from `ticketflow agent add`")


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


ComponentsDep = Annotated[Components, Depends(get_components)]
TemporalClientDep = Annotated[Client, Depends(get_temporal)]


async def current_agent(
    components: ComponentsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AgentIdentity:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    agent = await asyncio.to_thread(agent_for_token, components.sessions, credentials.credentials)
    if agent is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown, replaced or disabled token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return agent


CurrentAgent = Annotated[AgentIdentity, Depends(current_agent)]
# The project a list is of (`?project=mail`); None: the agent's first.
ProjectParam = Annotated[str | None, Query(max_length=40)]


async def current_admin(agent: CurrentAgent, components: ComponentsDep) -> AgentIdentity:
    """An administrator of the installation: of the first project's administrators' group
    (mail kept aside is no project's yet). Others get 403 (what admin routes hold is no
    secret of any ticket's existence)."""
    first = components.projects.first.name
    if ADMIN_GROUP not in components.projects.of_project(agent.groups, first):
        group = qualified(first, ADMIN_GROUP)
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"only the {group} group may do this")
    return agent


CurrentAdmin = Annotated[AgentIdentity, Depends(current_admin)]
# A row id in a path: past the largest a row can have it is refused as a 422, not sent to
# the database (which would overflow).
RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
