"""Queue list with counts, and a queue's next ticket for the agent."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import desk, working
from ticketflow.service.shapes import NextTicketOut, QueueOut

router = APIRouter(prefix="/api/v1", tags=["queues"], responses=AGENT_ROUTE | problems(404))


@router.get("/queues", response_model=list[QueueOut])
def list_queues(
    components: ComponentsDep, agent: CurrentAgent, project: ProjectParam = None
) -> list[QueueOut]:
    """The queues this agent works in a project (his first unless named), with open and
    waiting counts and the oldest open age."""
    return desk.queues(components, agent, project)


@router.post("/queues/{queue}/next", response_model=NextTicketOut, responses=problems(403))
async def next_ticket(
    queue: Annotated[str, Path(max_length=100)],
    components: ComponentsDep,
    agent: CurrentAgent,
    project: ProjectParam = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
) -> NextTicketOut:
    """The queue's next ticket for this agent, as the console's next-ticket key gives it:
    in the queue's order, skipping tickets another agent owns or has open, and now marked
    as open by him (two agents working one queue are never given the same). `after`: the
    ticket he leaves without acting on it."""
    found = await asyncio.to_thread(
        working.next_ticket, components, agent, project, queue, None, after
    )
    return NextTicketOut(ticket=found)
