"""Reports of a project over a period: the service's own targets (ticketflow.tickets.
reporting), per project, queue, group, agent and hour, as JSON or CSV. A project's
supervisors and admins see them all; an agent sees his own row of the agents' report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.files import NOT_KEPT, as_sheet
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import reports

# 403: reports of a project are for its supervisors and admins (an agent's own row
# excepted); 404: no such project for the caller.
# 200: the rows as JSON, or as a CSV sheet (`format=csv`).
SHEET_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}}
}
router = APIRouter(
    prefix="/api/v1/reports",
    tags=["reports"],
    responses=AGENT_ROUTE | problems(403, 404) | SHEET_OR_JSON,
)
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a sheet")]
When = Annotated[
    str | None,
    Query(
        max_length=40,
        description="a date (in the project calendar's zone) or an ISO instant, taken to "
        "whole hours; `from` defaults to today's start, `to` to now (the current hour "
        "included; a date `to` includes that day)",
    ),
]


@dataclass(frozen=True)
class Asked:
    """What every report is asked with: the project, the period, the form."""

    query: reports.ReportQuery
    format: str


def asked(
    project: ProjectParam = None,
    start: Annotated[When, Query(alias="from")] = None,
    end: Annotated[When, Query(alias="to")] = None,
    format: Format = "json",
) -> Asked:
    return Asked(reports.ReportQuery(project, start, end), format)


AskedDep = Annotated[Asked, Depends(asked)]


def answer(components: ComponentsDep, agent: CurrentAgent, kind: str, asked: Asked) -> Response:
    rows = reports.report(components, agent, kind, asked.query)
    if asked.format == "json":
        return JSONResponse(reports.as_json(rows), headers=NOT_KEPT)
    return as_sheet(reports.as_csv(rows), kind)


@router.get("/summary")
def summary(components: ComponentsDep, agent: CurrentAgent, asked: AskedDep) -> Response:
    """The project's figures for the period: new tickets, messages, first-line wait, first
    response (wall and business time), second-line share, handled within a day, reopen
    rate, first-contact resolution, wrong routing, open tickets by age, SLA per clock."""
    return answer(components, agent, "summary", asked)


@router.get("/queues")
def queues(components: ComponentsDep, agent: CurrentAgent, asked: AskedDep) -> Response:
    """Per queue: new tickets (first arrived there), arrivals, answers, asks, closes,
    reopened, wrong routings into it, breaches; open now by age and the oldest."""
    return answer(components, agent, "queues", asked)


@router.get("/groups")
def groups(components: ComponentsDep, agent: CurrentAgent, asked: AskedDep) -> Response:
    """The queues' figures summed per group that works them."""
    return answer(components, agent, "groups", asked)


@router.get("/agents")
def agents(components: ComponentsDep, agent: CurrentAgent, asked: AskedDep) -> Response:
    """Per agent who acted: answers, asks, notes, moves, closes, tickets handled,
    first-contact resolutions, reopened after his answer, wrong routings, median handling
    time. An agent who is no supervisor or admin gets his own row only."""
    return answer(components, agent, "agents", asked)


@router.get("/hourly")
def hourly(components: ComponentsDep, agent: CurrentAgent, asked: AskedDep) -> Response:
    """Per hour (in the project calendar's zone): new tickets, agent actions, and the
    mean first-line wait of the tickets created then; for staffing the two shifts."""
    return answer(components, agent, "hourly", asked)
