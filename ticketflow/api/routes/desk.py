"""The calling agent and the desk as that agent may use it."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import desk
from ticketflow.service.shapes import DeskOut, MeOut

router = APIRouter(prefix="/api/v1", tags=["desk"], responses=AGENT_ROUTE)


@router.get("/me", response_model=MeOut)
def get_me(components: ComponentsDep, agent: CurrentAgent) -> MeOut:
    """Who the token belongs to, its groups, the projects it is in with the queues it sees
    in each, and the queues of its first project."""
    return desk.me(components, agent)


@router.get("/desk", response_model=DeskOut, responses=problems(404))
def get_desk(
    components: ComponentsDep, agent: CurrentAgent, project: ProjectParam = None
) -> DeskOut:
    """A project's desk as the agent may use it (his first project unless named): his
    queues, move targets, the macros he may run (most used first) and the answer templates
    with their languages."""
    return desk.desk_for(components, agent, project)
