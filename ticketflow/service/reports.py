"""Reports of a project over a period: the service's own targets (ticketflow.tickets.
reporting) per project, queue, group, agent and hour. A project's supervisors and admins
read them all (the policy's `reports` right); an agent reads his own row of the agents'
report. Rows come as plain data, for JSON, or flattened into a CSV sheet."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ticketflow.components import Components
from ticketflow.service.policy import Seat, policy_of
from ticketflow.service.refusals import Invalid
from ticketflow.store import reports
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import utcnow
from ticketflow.tickets.rights import DeskRight

LONGEST_PERIOD = timedelta(days=366)
KINDS = ("summary", "queues", "groups", "agents", "hourly")


@dataclass(frozen=True)
class ReportQuery:
    """What every report is asked with: the project, and the period's ends as given."""

    project: str | None = None
    start: str | None = None
    end: str | None = None


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
        raise Invalid("period-invalid", reason=f"not a date or an ISO instant: {text!r}") from None
    return (instant if instant.tzinfo else instant.replace(tzinfo=zone)).astimezone(UTC)


def period_of(seat: Seat, start: str | None, end: str | None) -> reports.Period:
    """The period asked for, in whole hours: `from` defaults to today's start in the
    project's zone, `to` to now (a date `to` includes that day)."""
    zone, now = zone_of(seat), utcnow()
    today = datetime.combine(now.astimezone(zone).date(), time(), zone).astimezone(UTC)
    begin = _instant(start, zone, end=False) if start else today
    finish = _instant(end, zone, end=True) if end else now
    if finish <= begin:
        raise Invalid("period-invalid", reason="`to` must come after `from`")
    if finish - begin > LONGEST_PERIOD:
        raise Invalid("period-invalid", reason="a period of at most 366 days")
    # Whole hours, as the hourly sums are kept: the hour `from` falls in to the end of
    # the hour `to` falls in.
    begin = begin.replace(minute=0, second=0, microsecond=0)
    if finish != finish.replace(minute=0, second=0, microsecond=0):
        finish = finish.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return reports.Period(seat.project, begin, finish, now)


def reader_seat(components: Components, agent: AgentIdentity, project: str | None) -> Seat:
    """The project whose reports he reads; Forbidden unless he may read them."""
    seat = policy_of(components.projects).chosen(agent, project)
    policy_of(components.projects).check_reports(seat)
    return seat


def summary_of(components: Components, period: reports.Period) -> dict[str, Any]:
    with components.sessions() as session:
        return reports.summary(session, period)


def queues_of(components: Components, seat: Seat, period: reports.Period) -> list[Any]:
    shape = [(q.name, q.group, q.line) for q in seat.desk.queues]
    with components.sessions() as session:
        return reports.queues(session, period, shape)


def agents_of(
    components: Components, period: reports.Period, only: str | None = None
) -> list[dict[str, Any]]:
    with components.sessions() as session:
        return reports.agents(session, period, only)


def hourly_of(components: Components, seat: Seat, period: reports.Period) -> list[Any]:
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


def report(
    components: Components, agent: AgentIdentity, kind: str, asked: ReportQuery
) -> list[dict[str, Any]] | dict[str, Any]:
    """One report's rows (the summary: one mapping). The agents' report of an agent who
    may not read reports is his own row; every other report needs the right."""
    if kind == "agents":
        seat = policy_of(components.projects).chosen(agent, asked.project)
        period = period_of(seat, asked.start, asked.end)
        only = None if seat.may(DeskRight.REPORTS) else agent.name
        return agents_of(components, period, only)
    seat = reader_seat(components, agent, asked.project)
    period = period_of(seat, asked.start, asked.end)
    if kind == "summary":
        return summary_of(components, period)
    if kind == "hourly":
        return hourly_of(components, seat, period)
    rows = queues_of(components, seat, period)
    return reports.groups(rows) if kind == "groups" else [vars(r) for r in rows]


def as_json(rows: list[dict[str, Any]] | dict[str, Any]) -> Any:
    """Rows as JSON's values (times in ISO 8601, as `isoformat` writes them)."""
    return json.loads(json.dumps(rows, default=_plain))


def _plain(value: object) -> object:
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    raise TypeError(f"no JSON for {type(value).__name__}")


def as_csv(rows: list[dict[str, Any]] | dict[str, Any]) -> str:
    """Rows as a sheet: nested figures flattened into dotted columns, lists joined."""
    encoded = as_json(rows)
    flat = [_flat(r) for r in (encoded if isinstance(encoded, list) else [encoded])]
    out = io.StringIO()
    columns = list(dict.fromkeys(key for r in flat for key in r))
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue()


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
