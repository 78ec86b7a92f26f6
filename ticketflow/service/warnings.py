"""Early warning (docs/domain.md, "Incidents"): tickets of one queue, or with one hint,
arriving faster than usual, shown to whoever manages the project's incidents, and made an
incident of in one click. Counted at most once a minute per project (a page and a metric
scrape read the same figures)."""

from __future__ import annotations

import time
from datetime import datetime

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.service import incidents
from ticketflow.service.incident_shapes import (
    IncidentBody,
    IncidentOut,
    WarningList,
    WarningOut,
)
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import NotFound
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import utcnow
from ticketflow.store.surges import arrivals, arrived
from ticketflow.tickets.surges import Surge, find_surges, windows

FRESH_SECONDS = 60.0
_counted: dict[tuple[str, str], tuple[float, list[Surge]]] = {}


def surges_of(components: Components, project: str, now: datetime | None = None) -> list[Surge]:
    """The project's surges now (as counted within the last minute)."""
    key = (components.settings.resolved_database_url, project)
    found = _counted.get(key)
    if found is not None and now is None and time.monotonic() - found[0] < FRESH_SECONDS:
        return found[1]
    desk = components.projects.desk(project)
    spans = windows(now or utcnow())
    with components.sessions() as session:
        counts = [arrivals(session, project, start, end) for start, end in spans]
    surges = find_surges(
        counts[0], counts[1:], desk.early_warning_factor, desk.early_warning_minimum
    )
    _counted[key] = (time.monotonic(), surges)
    return surges


def early_warnings(components: Components, agent: AgentIdentity) -> WarningList:
    """The surges of the projects whose incidents he manages."""
    policy = policy_of(components.projects)
    found = [
        WarningOut.model_validate(
            {"project": project, "kind": s.kind, "name": s.name, "count": s.count, "usual": s.usual}
        )
        for project in policy.projects_of(agent)
        if incidents.may_manage(components, agent, project)
        for s in surges_of(components, project)
    ]
    return WarningList(warnings=found)


async def do_incident_of(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    project: str,
    kind: str,
    name: str,
) -> IncidentOut:
    """An incident of a surge's tickets: titled by it, the last hour's tickets linked."""
    surge = next(
        (s for s in surges_of(components, project) if (s.kind, s.name) == (kind, name)), None
    )
    if surge is None:
        raise NotFound("surge-unknown", name=name)
    title = f"{name}: {surge.count} new tickets in an hour"
    made = await incidents.do_create(
        components, client, agent, IncidentBody(project=project, title=title)
    )
    start, end = windows(utcnow(), days=0)[0]
    with components.sessions() as session:
        numbers = arrived(session, project, (kind, name), start, end, limit=500)
    if numbers:
        return (await incidents.do_link(components, client, agent, made.id, numbers)).incident
    return made
