"""Incidents: made, linked, answered once to all, paused, resumed and closed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ticketflow.api.deps import ComponentsDep, CurrentAgent, TemporalClientDep
from ticketflow.api.problems import AGENT_BODY_ROUTE, AGENT_ROUTE, problems
from ticketflow.service import incidents, warnings
from ticketflow.service.incident_shapes import (
    IncidentBody,
    IncidentCloseBody,
    IncidentLinked,
    IncidentList,
    IncidentMailBody,
    IncidentOut,
    IncidentTicketsBody,
    SurgeBody,
    WarningList,
)
from ticketflow.store.queries import ROW_ID_MAX

router = APIRouter(prefix="/api/v1", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
# An order: refused by the incident's state (409), by the agent's role (403).
ORDER_ROUTE = AGENT_BODY_ROUTE | problems(403, 404, 409)


@router.get("/incidents", response_model=IncidentList, responses=AGENT_ROUTE | problems(404))
def get_incidents(
    components: ComponentsDep,
    agent: CurrentAgent,
    project: Annotated[str | None, Query(max_length=100)] = None,
) -> IncidentList:
    """The incidents of your projects (or of `project`), the newest first."""
    return incidents.incident_list(components, agent, project)


@router.get("/incidents/warnings", response_model=WarningList, responses=AGENT_ROUTE)
def get_warnings(components: ComponentsDep, agent: CurrentAgent) -> WarningList:
    """Early warning, for those who manage a project's incidents: the queues and hints
    whose new tickets of the last hour are at least the desk's `early_warning_factor`
    times the same hour's mean over the past four weeks (and `early_warning_minimum`)."""
    return warnings.early_warnings(components, agent)


@router.post(
    "/incidents/warnings", response_model=IncidentOut, status_code=201, responses=ORDER_ROUTE
)
async def post_warning(
    body: SurgeBody, components: ComponentsDep, client: TemporalClientDep, agent: CurrentAgent
) -> IncidentOut:
    """Make an incident of a warning's tickets: titled by it, the last hour's tickets of
    its queue (or with its hint) linked; 404 when the warning is over."""
    return await warnings.do_incident_of(
        components, client, agent, body.project, body.kind, body.name
    )


@router.post("/incidents", response_model=IncidentOut, status_code=201, responses=ORDER_ROUTE)
async def post_incident(
    body: IncidentBody, components: ComponentsDep, client: TemporalClientDep, agent: CurrentAgent
) -> IncidentOut:
    """A new incident of `project` (a supervisor's, or a group's with the `incidents`
    role). With `rule`, new tickets whose first message matches it are linked as they
    arrive while the incident is open."""
    return await incidents.do_create(components, client, agent, body)


@router.get(
    "/incidents/{incident_id}", response_model=IncidentOut, responses=AGENT_ROUTE | problems(404)
)
def get_incident(
    incident_id: IncidentId, components: ComponentsDep, agent: CurrentAgent
) -> IncidentOut:
    """The incident and its progress: tickets linked; the answer to all sent, pending and
    refused (with each refused ticket's reason); the final answer's likewise."""
    return incidents.incident_view(components, agent, incident_id)


@router.post(
    "/incidents/{incident_id}/tickets", response_model=IncidentLinked, responses=ORDER_ROUTE
)
async def post_incident_tickets(
    incident_id: IncidentId,
    body: IncidentTicketsBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> IncidentLinked:
    """Link tickets by number (yours to read, of the incident's project); a ticket
    linked after the answer to all gets it too. Each ticket not linked says why."""
    return await incidents.do_link(components, client, agent, incident_id, body.numbers)


@router.post("/incidents/{incident_id}/answer", response_model=IncidentOut, responses=ORDER_ROUTE)
async def post_incident_answer(
    incident_id: IncidentId,
    body: IncidentMailBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> IncidentOut:
    """Answer every linked ticket once, through its own workflow (its answer closes it,
    its history and reopen rule stay its own), at the desk's rate; a template is
    written in each customer's language. 409 once the incident has its answer."""
    return await incidents.do_answer(components, client, agent, incident_id, body)


@router.post("/incidents/{incident_id}/pause", response_model=IncidentOut, responses=ORDER_ROUTE)
async def post_incident_pause(
    incident_id: IncidentId,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> IncidentOut:
    """Hold the incident's mail after the batch in hand; 409 when it sends nothing."""
    return await incidents.do_pause(components, client, agent, incident_id)


@router.post("/incidents/{incident_id}/resume", response_model=IncidentOut, responses=ORDER_ROUTE)
async def post_incident_resume(
    incident_id: IncidentId,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> IncidentOut:
    """Send the rest of a paused incident's mail; 409 when it is not paused."""
    return await incidents.do_resume(components, client, agent, incident_id)


@router.post("/incidents/{incident_id}/close", response_model=IncidentOut, responses=ORDER_ROUTE)
async def post_incident_close(
    incident_id: IncidentId,
    body: IncidentCloseBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> IncidentOut:
    """Close the incident with a final answer to its tickets still open: each is closed
    by it, or (with `queue`) asked by it and moved there; tickets answered and closed
    already are skipped. The incident is closed once every ticket is done."""
    return await incidents.do_close(components, client, agent, incident_id, body)
