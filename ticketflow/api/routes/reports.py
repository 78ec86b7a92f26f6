"""Reports of a project over a period: the service's own targets (ticketflow.tickets.
reporting), per project, queue, group, agent and hour, as JSON or CSV. A project's
supervisors and admins see them all; an agent sees his own row of the agents' report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from ticketflow.api.access import Seat, chosen_seat
from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.desk.config import ADMIN_GROUP, SUPERVISOR_GROUP
from ticketflow.store import reports
from ticketflow.store.models import utcnow

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
LONGEST_PERIOD = timedelta(days=366)
UNPROCESSABLE = 422  # the status constant changed its name between Starlette versions
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


def zone_of(seat: Seat) -> ZoneInfo:
    spec = seat.desk.calendar_spec()
    return ZoneInfo(spec.zone) if spec else ZoneInfo("UTC")


def _instant(text: str, zone: ZoneInfo, end: bool) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), zone).astimezone(UTC)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(UNPROCESSABLE, f"not a date or an ISO instant: {text!r}") from None
    return (instant if instant.tzinfo else instant.replace(tzinfo=zone)).astimezone(UTC)


def period_of(seat: Seat, start: str | None, end: str | None) -> reports.Period:
    zone, now = zone_of(seat), utcnow()
    today = datetime.combine(now.astimezone(zone).date(), time(), zone).astimezone(UTC)
    begin = _instant(start, zone, end=False) if start else today
    finish = _instant(end, zone, end=True) if end else now
    if finish <= begin:
        raise HTTPException(UNPROCESSABLE, "`to` must come after `from`")
    if finish - begin > LONGEST_PERIOD:
        raise HTTPException(UNPROCESSABLE, "a period of at most 366 days")
    # Whole hours, as the hourly sums are kept: the hour `from` falls in to the end of
    # the hour `to` falls in.
    begin = begin.replace(minute=0, second=0, microsecond=0)
    if finish != finish.replace(minute=0, second=0, microsecond=0):
        finish = finish.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return reports.Period(seat.project, begin, finish, now)


def may_read_reports(seat: Seat) -> bool:
    return bool(seat.groups & {SUPERVISOR_GROUP, ADMIN_GROUP})


def reader_seat(components: ComponentsDep, agent: CurrentAgent, project: str | None) -> Seat:
    seat = chosen_seat(components, agent, project)
    if not may_read_reports(seat):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"reports of {seat.project} are for its supervisors and admins",
        )
    return seat


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            flat[f"{prefix}{key}"] = " ".join(map(str, value))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def answer(rows: list[dict[str, Any]] | dict[str, Any], form: str, name: str) -> Response:
    encoded = jsonable_encoder(rows)
    if form == "json":
        return JSONResponse(encoded)
    flat = [_flat(r) for r in (encoded if isinstance(encoded, list) else [encoded])]
    out = io.StringIO()
    columns = list(dict.fromkeys(key for r in flat for key in r))
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        out.getvalue(), media_type="text/csv", headers={"Content-Disposition": disposition}
    )


def summary_of(components: ComponentsDep, period: reports.Period) -> dict[str, Any]:
    with components.sessions() as session:
        return reports.summary(session, period)


def queues_of(components: ComponentsDep, seat: Seat, period: reports.Period) -> list[Any]:
    shape = [(q.name, q.group, q.line) for q in seat.desk.queues]
    with components.sessions() as session:
        return reports.queues(session, period, shape)


def agents_of(
    components: ComponentsDep, period: reports.Period, only: str | None = None
) -> list[dict[str, Any]]:
    with components.sessions() as session:
        return reports.agents(session, period, only)


def hourly_of(components: ComponentsDep, seat: Seat, period: reports.Period) -> list[Any]:
    """Every hour of the period up to now, quiet ones too (a staffing chart needs them)."""
    zone = zone_of(seat)
    with components.sessions() as session:
        found = reports.hourly(session, period)
    quiet = {"new": 0, "agent_actions": 0, "first_line_wait_mean": None}
    rows, hour = [], period.start
    while hour < min(period.end, period.now):
        figures = found.get(hour.strftime("%Y-%m-%dT%H"), quiet)
        rows.append({"hour": hour.astimezone(zone), **figures})
        hour += timedelta(hours=1)
    return rows


@dataclass(frozen=True)
class ReportQuery:
    """What every report is asked with: the project, the period, the form."""

    project: str | None
    start: str | None
    end: str | None
    format: str


def report_query(
    project: ProjectParam = None,
    start: Annotated[When, Query(alias="from")] = None,
    end: Annotated[When, Query(alias="to")] = None,
    format: Format = "json",
) -> ReportQuery:
    return ReportQuery(project, start, end, format)


Asked = Annotated[ReportQuery, Depends(report_query)]


@router.get("/summary")
def summary(components: ComponentsDep, agent: CurrentAgent, asked: Asked) -> Response:
    """The project's figures for the period: new tickets, messages, first-line wait, first
    response (wall and business time), second-line share, handled within a day, reopen
    rate, first-contact resolution, wrong routing, open tickets by age, SLA per clock."""
    seat = reader_seat(components, agent, asked.project)
    period = period_of(seat, asked.start, asked.end)
    return answer(summary_of(components, period), asked.format, "summary")


@router.get("/queues")
def queues(components: ComponentsDep, agent: CurrentAgent, asked: Asked) -> Response:
    """Per queue: new tickets (first arrived there), arrivals, answers, asks, closes,
    reopened, wrong routings into it, breaches; open now by age and the oldest."""
    seat = reader_seat(components, agent, asked.project)
    rows = queues_of(components, seat, period_of(seat, asked.start, asked.end))
    return answer([vars(r) for r in rows], asked.format, "queues")


@router.get("/groups")
def groups(components: ComponentsDep, agent: CurrentAgent, asked: Asked) -> Response:
    """The queues' figures summed per group that works them."""
    seat = reader_seat(components, agent, asked.project)
    rows = queues_of(components, seat, period_of(seat, asked.start, asked.end))
    return answer(reports.groups(rows), asked.format, "groups")


@router.get("/agents")
def agents(components: ComponentsDep, agent: CurrentAgent, asked: Asked) -> Response:
    """Per agent who acted: answers, asks, notes, moves, closes, tickets handled,
    first-contact resolutions, reopened after his answer, wrong routings, median handling
    time. An agent who is no supervisor or admin gets his own row only."""
    seat = chosen_seat(components, agent, asked.project)
    period = period_of(seat, asked.start, asked.end)
    only = None if may_read_reports(seat) else agent.name
    return answer(agents_of(components, period, only), asked.format, "agents")


@router.get("/hourly")
def hourly(components: ComponentsDep, agent: CurrentAgent, asked: Asked) -> Response:
    """Per hour (in the project calendar's zone): new tickets, agent actions, and the
    mean first-line wait of the tickets created then; for staffing the two shifts."""
    seat = reader_seat(components, agent, asked.project)
    rows = hourly_of(components, seat, period_of(seat, asked.start, asked.end))
    return answer(rows, asked.format, "hourly")
