"""Full-text search over the articles of the tickets an agent may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import tickets
from ticketflow.service.shapes import SearchResult

router = APIRouter(prefix="/api/v1", tags=["search"], responses=AGENT_ROUTE | problems(404))


@router.get("/search", response_model=SearchResult)
def search(
    components: ComponentsDep,
    agent: CurrentAgent,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    project: ProjectParam = None,
) -> SearchResult:
    """Tickets whose mail or notes match `q`, newest match first; a ticket number finds its
    ticket. PostgreSQL stems Russian and English words and takes "phrases", `or` and `-word`."""
    return tickets.search(components, agent, q, limit, project)
