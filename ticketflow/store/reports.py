"""The reports, read from what the projection keeps (report_figures): counts of events
from their hourly sums (a few hundred rows a day), the figures of the tickets created in a
period from one index range of (project, created_at), an agent's distinct tickets and
median handling time from the agents' partial index. A day of a desk of millions of
tickets costs a few indexed reads, never a replay of histories.

Percentiles are PostgreSQL's percentile_cont there; SQLite (development) has none, so its
values are fetched and interpolated the same way (`reporting.percentile`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ticketflow.store.models import ReportAgentHour, ReportEvent, ReportHour, Ticket, TicketReport
from ticketflow.tickets.lifecycle import Action, State
from ticketflow.tickets.reporting import AGE_BUCKETS, percentile, rate
from ticketflow.tickets.sla import CLOCKS

OPEN = (State.FIRST_LINE, State.SECOND_LINE, State.WAITING)
SHARES = (0.5, 0.9)


@dataclass(frozen=True)
class Period:
    """Whole hours (the hourly sums are by hour): `start` and `end` on the hour, UTC."""

    project: str
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive
    now: datetime  # the age of open tickets is counted to this


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _tickets_in(period: Period) -> ColumnElement[bool]:
    return and_(
        TicketReport.project == period.project,
        TicketReport.created_at >= period.start,
        TicketReport.created_at < period.end,
    )


def _hours_in(period: Period) -> ColumnElement[bool]:
    """The period's hourly sums (a period is whole hours: `reports.Period` says so)."""
    return and_(
        ReportHour.project == period.project,
        ReportHour.hour >= period.start,
        ReportHour.hour < period.end,
    )


def _sum(column: Any, condition: Any = None) -> Any:
    value = column if condition is None else case((condition, column), else_=0)
    return func.coalesce(func.sum(value), 0)


def _events_in(period: Period) -> ColumnElement[bool]:
    return and_(
        ReportEvent.project == period.project,
        ReportEvent.at >= period.start,
        ReportEvent.at < period.end,
    )


WAITS = (
    TicketReport.first_line_wait_s,
    TicketReport.first_response_s,
    TicketReport.first_response_business_s,
)


def _spread_columns(session: Session, column: InstrumentedAttribute[int | None]) -> list[Any]:
    """count and mean of a column of seconds, and on PostgreSQL its p50 and p90 (NULLs are
    left out of each)."""
    columns: list[Any] = [func.count(column), func.avg(column)]
    if session.get_bind().dialect.name == "postgresql":
        columns += [func.percentile_cont(share).within_group(column) for share in SHARES]
    return columns


def _spread(
    session: Session,
    column: InstrumentedAttribute[int | None],
    where: ColumnElement[bool],
    found: Sequence[Any],
) -> dict[str, float | int | None]:
    count, mean, *shares = found
    if not shares:  # SQLite: interpolated here from the values
        present = and_(where, column.is_not(None))
        values = session.scalars(select(column).where(present).order_by(column))
        ordered = [float(v) for v in values if v is not None]
        shares = [percentile(ordered, share) for share in SHARES]
    return {
        "count": count,
        "mean": _rounded(mean),
        "p50": _rounded(shares[0]),
        "p90": _rounded(shares[1]),
    }


def _age_columns(now: datetime) -> list[Any]:
    """Counts of tickets per age bucket (age since creation, at `now`)."""
    columns = []
    younger_than: datetime | None = None  # the bucket's lower age limit, as an instant
    for name, seconds in AGE_BUCKETS:
        older_than = None if math.isinf(seconds) else now - timedelta(seconds=seconds)
        limits = []
        if older_than is not None:
            limits.append(Ticket.created_at > older_than)
        if younger_than is not None:
            limits.append(Ticket.created_at <= younger_than)
        columns.append(_count(and_(*limits)).label(name))
        younger_than = older_than
    return columns


def open_by_age(session: Session, project: str, now: datetime) -> dict[str, dict[str, Any]]:
    """Per queue: open tickets by age bucket, and the oldest's creation."""
    rows = session.execute(
        select(Ticket.queue, *_age_columns(now), func.min(Ticket.created_at))
        .where(Ticket.project == project, Ticket.state.in_(OPEN))
        .group_by(Ticket.queue)
    ).all()
    names = [name for name, _ in AGE_BUCKETS]
    return {
        row[0]: {"ages": dict(zip(names, row[1:-1], strict=True)), "oldest_at": row[-1]}
        for row in rows
    }


def _summed_ages(per_queue: dict[str, dict[str, Any]]) -> dict[str, int]:
    total = {name: 0 for name, _ in AGE_BUCKETS}
    for figures in per_queue.values():
        for name, count in figures["ages"].items():
            total[name] += int(count)
    return total


def summary(session: Session, period: Period) -> dict[str, Any]:
    """The project's figures for the period, in three reads: the figures of the tickets
    created in it, the hourly sums of its events, and the open tickets by age."""
    tickets = _tickets_in(period)
    spreads = [_spread_columns(session, column) for column in WAITS]
    new, second_line, within_day, first_contact, mailed, *rest = session.execute(
        select(
            func.count(),
            _count(TicketReport.second_line),
            _count(TicketReport.within_day),
            _count(TicketReport.first_contact),
            _count(TicketReport.first_mail.is_not(None)),
            *(_count(TicketReport.breaches.contains(clock)) for clock in CLOCKS),
            *(column for spread in spreads for column in spread),
        ).where(tickets)
    ).one()
    breached, rest = rest[: len(CLOCKS)], rest[len(CLOCKS) :]
    waits = []
    for column, spread in zip(WAITS, spreads, strict=True):
        waits.append(_spread(session, column, tickets, rest[: len(spread)]))
        rest = rest[len(spread) :]
    events = ReportHour.events
    messages, answers, asks, closes, reopened, wrong, *breaches = session.execute(
        select(
            _sum(events, ReportHour.action == Action.CUSTOMER_MESSAGE),
            _sum(events, and_(ReportHour.by_agent, ReportHour.action == Action.ANSWER)),
            _sum(events, and_(ReportHour.by_agent, ReportHour.action == Action.ASK)),
            _sum(ReportHour.closes),
            _sum(ReportHour.reopened),
            _sum(ReportHour.wrong_routing),
            *(_sum(events, ReportHour.clock == clock) for clock in CLOCKS),
        ).where(_hours_in(period))
    ).one()
    return {
        "project": period.project,
        "from": period.start,
        "to": period.end,
        "new": new,
        "messages_in": messages,
        "answers_sent": answers,
        "asks_sent": asks,
        "first_line_wait": waits[0],
        "first_response": waits[1],
        "first_response_business": waits[2],
        "second_line": second_line,
        "second_line_share": rate(second_line, new),
        "handled_within_day": within_day,
        "handled_within_day_share": rate(within_day, new),
        "closed": closes,
        "reopened": reopened,
        "reopen_rate": rate(reopened, closes),
        "first_contact_resolution": first_contact,
        "first_contact_resolution_rate": rate(first_contact, mailed),
        "wrong_routing": wrong,
        "open_by_age": _summed_ages(open_by_age(session, period.project, period.now)),
        "sla": {
            clock: {
                "breaches": count,
                "new_tickets_breached": tickets_breached,
                "compliance": rate(new - tickets_breached, new),
            }
            for clock, count, tickets_breached in zip(CLOCKS, breaches, breached, strict=True)
        },
    }


@dataclass
class QueueFigures:
    queue: str
    group: str
    line: str
    new: int = 0
    entered: int = 0
    answers_sent: int = 0
    asks_sent: int = 0
    closed: int = 0
    reopened: int = 0
    wrong_routing: int = 0
    breaches: int = 0
    open: int = 0
    oldest_open_at: datetime | None = None
    open_by_age: dict[str, int] = field(default_factory=dict)


def queues(
    session: Session, period: Period, queue_shape: Sequence[tuple[str, str, str]]
) -> list[QueueFigures]:
    """Per queue of the desk (name, group, line): what came in, what was done there, what
    is open now."""
    rows = {name: QueueFigures(name, group, line) for name, group, line in queue_shape}

    def of(queue: str) -> QueueFigures:
        if queue not in rows:  # a queue since removed from the desk
            rows[queue] = QueueFigures(queue, "", "")
        return rows[queue]

    # The period's hourly sums by where each event happened and where it led: what was
    # done in a queue, what arrived in one (a route is a new ticket's arrival; a move
    # counts where it leads).
    found = session.execute(
        select(
            ReportHour.queue,
            ReportHour.to_queue,
            _sum(ReportHour.events, ReportHour.action == Action.ROUTE),
            _sum(ReportHour.events, and_(ReportHour.by_agent, ReportHour.action == Action.ANSWER)),
            _sum(ReportHour.events, and_(ReportHour.by_agent, ReportHour.action == Action.ASK)),
            _sum(ReportHour.closes),
            _sum(ReportHour.reopened),
            _sum(ReportHour.wrong_routing),
            _sum(ReportHour.events, ReportHour.clock != ""),
            _sum(
                ReportHour.events,
                and_(ReportHour.action == Action.MOVE, ReportHour.queue != ReportHour.to_queue),
            ),
        )
        .where(_hours_in(period))
        .group_by(ReportHour.queue, ReportHour.to_queue)
    ).all()
    for queue, to_queue, new, answers, asks, closes, reopened, wrong, breaches, moved in found:
        figures = of(queue)
        figures.answers_sent += answers
        figures.asks_sent += asks
        figures.closed += closes
        figures.reopened += reopened
        figures.wrong_routing += wrong
        figures.breaches += breaches
        of(to_queue).new += new
        of(to_queue).entered += new + moved
    for queue, figures_now in open_by_age(session, period.project, period.now).items():
        figures = of(queue)
        figures.open_by_age = figures_now["ages"]
        figures.open = sum(figures.open_by_age.values())
        figures.oldest_open_at = figures_now["oldest_at"]
    empty = {name: 0 for name, _ in AGE_BUCKETS}
    for figures in rows.values():
        figures.open_by_age = figures.open_by_age or dict(empty)
    return list(rows.values())


def groups(queue_figures: Sequence[QueueFigures]) -> list[dict[str, Any]]:
    """The queues' figures summed per group that works them."""
    summed: dict[str, dict[str, Any]] = {}
    counted = "new entered answers_sent asks_sent closed reopened wrong_routing breaches open"
    for queue in queue_figures:
        if not queue.group:
            continue
        group = summed.setdefault(
            queue.group,
            {"group": queue.group, "queues": [], **dict.fromkeys(counted.split(), 0)}
            | {"oldest_open_at": None, "open_by_age": {name: 0 for name, _ in AGE_BUCKETS}},
        )
        group["queues"].append(queue.queue)
        for name in counted.split():
            group[name] += getattr(queue, name)
        for name, count in queue.open_by_age.items():
            group["open_by_age"][name] += count
        if queue.oldest_open_at and (
            group["oldest_open_at"] is None or queue.oldest_open_at < group["oldest_open_at"]
        ):
            group["oldest_open_at"] = queue.oldest_open_at
    return list(summed.values())


AGENT_COUNTED = (Action.ANSWER, Action.ASK, Action.NOTE, Action.MOVE, Action.CLOSE)


def agents(session: Session, period: Period, only: str | None = None) -> list[dict[str, Any]]:
    """Per agent who acted in the period (or only `only`): his actions from the hourly
    sums; the tickets he handled and his median handling time from his rows of the
    period (the agents' index: what neither sums nor counts can give exactly)."""
    where = _agent_hours_in(period)
    if only is not None:
        where = and_(where, ReportAgentHour.actor == only)
    action, events = ReportAgentHour.action, ReportAgentHour.events
    rows = session.execute(
        select(
            ReportAgentHour.actor,
            *(_sum(events, action == counted) for counted in AGENT_COUNTED),
            _sum(events),
            _sum(ReportAgentHour.first_contact),
            _sum(ReportAgentHour.reopened, action == Action.ANSWER),
            _sum(ReportAgentHour.wrong_routing),
        )
        .where(where)
        .group_by(ReportAgentHour.actor)
        .order_by(ReportAgentHour.actor)
    ).all()
    mine = and_(_events_in(period), ReportEvent.by_agent)
    if only is not None:
        mine = and_(mine, ReportEvent.actor == only)
    handled = _handled(session, mine)
    result = []
    for actor, answers, asks, notes, moves, closes, actions, fcr, reopened, wrong in rows:
        tickets, median = handled.get(actor, (0, None))
        result.append(
            {
                "agent": actor,
                "answers": answers,
                "asks": asks,
                "notes": notes,
                "moves": moves,
                "closes": closes,
                "actions": actions,
                "tickets_handled": tickets,
                "first_contact_resolution": fcr,
                "reopened_after_answer": reopened,
                "wrong_routing": wrong,
                "median_handling_s": median,
            }
        )
    return result


def _agent_hours_in(period: Period) -> ColumnElement[bool]:
    return and_(
        ReportAgentHour.project == period.project,
        ReportAgentHour.hour >= period.start,
        ReportAgentHour.hour < period.end,
    )


def _handled(session: Session, where: ColumnElement[bool]) -> dict[str, tuple[int, float | None]]:
    """Per agent: distinct tickets, and the median handling time."""
    tickets = func.count(func.distinct(ReportEvent.ticket_id))
    if session.get_bind().dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(ReportEvent.handling_s)
        found = session.execute(
            select(ReportEvent.actor, tickets, median).where(where).group_by(ReportEvent.actor)
        ).all()
        return {actor: (n, _rounded(m)) for actor, n, m in found}
    counted = dict(
        session.execute(
            select(ReportEvent.actor, tickets).where(where).group_by(ReportEvent.actor)
        ).all()
    )
    medians = _median_handling(session, where)
    return {actor: (n, medians.get(actor)) for actor, n in counted.items()}


def _median_handling(session: Session, where: ColumnElement[bool]) -> dict[str, float | None]:
    """Per agent, the median handling time (SQLite: interpolated here)."""
    values: dict[str, list[float]] = defaultdict(list)
    handled = and_(where, ReportEvent.handling_s.is_not(None))
    for actor, seconds in session.execute(
        select(ReportEvent.actor, ReportEvent.handling_s)
        .where(handled)
        .order_by(ReportEvent.actor, ReportEvent.handling_s)
    ):
        values[actor].append(float(seconds or 0))
    return {actor: _rounded(percentile(v, 0.5)) for actor, v in values.items()}


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _hour(session: Session, column: Any) -> Any:
    """The UTC hour an instant falls in, as a string the same on both backends."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24')
    return func.strftime("%Y-%m-%dT%H", column)


def hourly(session: Session, period: Period) -> dict[str, dict[str, Any]]:
    """Per UTC hour (its start, ISO): new tickets, agent actions, mean first-line wait of
    the tickets created in it."""
    hours: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"new": 0, "agent_actions": 0, "first_line_wait_mean": None}
    )
    created = _hour(session, TicketReport.created_at)
    for hour, new, wait in session.execute(
        select(created, func.count(), func.avg(TicketReport.first_line_wait_s))
        .where(_tickets_in(period))
        .group_by(created)
    ).all():
        hours[hour]["new"] = new
        hours[hour]["first_line_wait_mean"] = None if wait is None else round(float(wait), 1)
    for hour, count in session.execute(
        select(ReportHour.hour, _sum(ReportHour.events))
        .where(_hours_in(period), ReportHour.by_agent)
        .group_by(ReportHour.hour)
    ).all():
        hours[hour.astimezone(UTC).strftime("%Y-%m-%dT%H")]["agent_actions"] = count
    return dict(sorted(hours.items()))
