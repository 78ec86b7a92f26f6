"""Queue list with counts."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.access import chosen_seat
from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.schemas import QueueOut
from ticketflow.store.queries import queue_stats

router = APIRouter(prefix="/api/v1", tags=["queues"])


@router.get("/queues", response_model=list[QueueOut])
def list_queues(
    components: ComponentsDep, agent: CurrentAgent, project: ProjectParam = None
) -> list[QueueOut]:
    """The queues this agent works in a project (his first unless named), with open and
    waiting counts and the oldest open age."""
    mine = chosen_seat(components, agent, project)
    with components.sessions() as session:
        return [
            QueueOut(**vars(s)) for s in queue_stats(session, mine.project, mine.visible_queues())
        ]
