"""Queue list with counts."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import desk
from ticketflow.service.shapes import QueueOut

router = APIRouter(prefix="/api/v1", tags=["queues"], responses=AGENT_ROUTE | problems(404))


@router.get("/queues", response_model=list[QueueOut])
def list_queues(
    components: ComponentsDep, agent: CurrentAgent, project: ProjectParam = None
) -> list[QueueOut]:
    """The queues this agent works in a project (his first unless named), with open and
    waiting counts and the oldest open age."""
    return desk.queues(components, agent, project)
