"""FastAPI dependencies: the process's components, its Temporal client, the calling agent."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client

from ticketflow.components import Components
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


# A row id in a path: past the largest a row can have it is refused as a 422, not sent to
# the database (which would overflow).
RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
