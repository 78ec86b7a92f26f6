"""Queue list with counts."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.schemas import QueueOut
from ticketflow.store.queries import queue_stats

router = APIRouter(prefix="/api/v1", tags=["queues"])


@router.get("/queues", response_model=list[QueueOut])
def list_queues(components: ComponentsDep, agent: CurrentAgent) -> list[QueueOut]:
    """The queues this agent works, with open and waiting counts and the oldest open age."""
    visible = components.desk.visible_queues(agent.groups)
    with components.sessions() as session:
        return [QueueOut(**vars(s)) for s in queue_stats(session, visible)]
