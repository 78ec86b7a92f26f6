"""What the service's figures count, event by event. Pure: no I/O.

The read model keeps one row of figures per ticket (`TicketFigures`) and one row per
reportable event (`ReportRow`); the projection folds each new history event into them
(`advance`), so a report reads a few indexed rows instead of replaying histories. The
definitions, all in wall-clock time unless said:

- first-line wait: a ticket that arrived in a first-line queue, from its creation until it
  first leaves the first line (moved to a second-line queue, asked, answered or closed);
- first response: creation to the first agent mail (ask or answer), also in business time;
- second line: the ticket entered a second-line queue at least once;
- handled within a day: first closed within 24 hours of creation;
- reopened: a customer's message reopened a closed ticket (an agent's own reopen is a
  correction, not the problem coming back);
- first-contact resolution: the first agent mail was an answer (an answer closes) and the
  customer did not reopen the ticket within 7 days of it;
- wrong routing: an agent's move from a first-line queue into a second-line queue, followed
  within 24 hours by an agent's move out of that queue back to the first line or into
  another group's queue; counted against the agent of the first move;
- handling time: from the moment a ticket came to its queue's agents (it arrived, was moved
  in, was reopened, or came back from waiting) to an agent's answer, ask, close or move.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from ticketflow.tickets.calendars import BusinessCalendar
from ticketflow.tickets.history import EventName
from ticketflow.tickets.lifecycle import (
    AGENT_ACTIONS,
    CUSTOMER,
    MAIL_ACTIONS,
    SYSTEM,
    Action,
    State,
)

FIRST_LINE, SECOND_LINE = "first-line", "second-line"
HANDLED_WITHIN = timedelta(hours=24)
FIRST_CONTACT_WINDOW = timedelta(days=7)
WRONG_ROUTING_WINDOW = timedelta(hours=24)
# Open tickets by age since creation: (name, up to this many seconds).
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1h", 3600),
    ("1-4h", 4 * 3600),
    ("4-24h", 24 * 3600),
    ("1-3d", 3 * 86400),
    (">3d", math.inf),
)
# Agent actions that end his handling of the ticket as it came to him.
HANDLING_ENDS = frozenset({Action.ANSWER, Action.ASK, Action.CLOSE, Action.MOVE})
# When a ticket comes (back) to its queue's agents.
_ARRIVALS = frozenset({Action.ROUTE, Action.MOVE})


class Event(Protocol):
    """A history entry as the workflow numbered it."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def from_state(self) -> str | None: ...
    @property
    def to_state(self) -> str: ...
    @property
    def from_queue(self) -> str | None: ...
    @property
    def to_queue(self) -> str: ...
    @property
    def detail(self) -> str | None: ...


@dataclass(frozen=True)
class DeskShape:
    """What the figures need of a project's desk: each queue's line and group, and the
    calendar business time is counted in (None: no business time)."""

    lines: Mapping[str, str]
    groups: Mapping[str, str]
    calendar: BusinessCalendar | None = None


@dataclass
class TicketFigures:
    """One ticket's figures so far; also what the fold needs to remember."""

    created_at: datetime
    first_queue: str | None = None
    first_line_wait_s: int | None = None
    first_response_at: datetime | None = None
    first_response_s: int | None = None
    first_response_business_s: int | None = None
    first_mail: str | None = None  # ask | answer
    second_line: bool = False
    first_closed_at: datetime | None = None
    within_day: bool = False
    first_contact: bool = False
    breaches: str = ""  # the clocks that breached, comma-separated
    # What the fold remembers between events.
    queue_since: datetime | None = None
    closing_seq: int | None = None  # the event that closed it last
    first_answer_seq: int | None = None
    routed_seq: int | None = None  # the last first-line -> second-line move by an agent
    routed_at: datetime | None = None
    routed_into: str | None = None

    def breached(self) -> set[str]:
        return set(filter(None, self.breaches.split(",")))


@dataclass(frozen=True)
class ReportRow:
    """One reportable event: an agent's action, a customer's message, a route, a close by
    anyone, an SLA breach."""

    seq: int
    at: datetime
    actor: str
    action: str
    queue: str  # where it happened (the queue it left, for a move)
    to_queue: str
    line: str
    closes: bool = False
    handling_s: int | None = None
    first_contact: bool = False
    clock: str | None = None  # of a breach


@dataclass(frozen=True)
class Mark:
    """A later event's verdict on an earlier row: its fields to set."""

    seq: int
    values: dict[str, Any] = field(default_factory=dict)


def is_agent(actor: str, action: str) -> bool:
    return action in AGENT_ACTIONS and actor not in (SYSTEM, CUSTOMER)


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def advance(
    figures: TicketFigures, event: Event, desk: DeskShape
) -> tuple[ReportRow | None, list[Mark]]:
    """Fold one event into a ticket's figures (in place); the row it makes, if it is
    reportable, and the marks it sets on earlier rows."""
    marks: list[Mark] = []
    agent = is_agent(event.actor, event.action)
    came_at = figures.queue_since
    closes = event.to_state == State.CLOSED and event.from_state != State.CLOSED
    reopens = event.from_state == State.CLOSED and event.to_state != State.CLOSED
    from_line = desk.lines.get(event.from_queue or "", "")
    to_line = desk.lines.get(event.to_queue, "")

    _first_line(figures, event, desk, to_line)
    first_contact = _first_response(figures, event, desk) if agent else False
    marks += _closing(figures, event, closes, reopens)
    if agent and event.action == Action.MOVE:
        marks += _routing(figures, event, desk, from_line, to_line)
    clock = _breach(figures, event)
    arrives = (
        event.action in _ARRIVALS
        or reopens
        or (event.from_state == State.WAITING and event.to_state != State.WAITING)
    )
    if arrives and not (event.action == Action.MOVE and event.from_queue == event.to_queue):
        figures.queue_since = event.at

    reportable = agent or closes or clock is not None
    reportable = reportable or event.action in (Action.ROUTE, Action.CUSTOMER_MESSAGE)
    if not reportable:
        return None, marks
    handling = None
    if agent and event.action in HANDLING_ENDS and came_at is not None:
        handling = _seconds(came_at, event.at)
    row = ReportRow(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        queue=event.from_queue or event.to_queue,
        to_queue=event.to_queue,
        line=from_line or to_line,
        closes=closes,
        handling_s=handling,
        first_contact=first_contact,
        clock=clock,
    )
    return row, marks


def _first_line(figures: TicketFigures, event: Event, desk: DeskShape, to_line: str) -> None:
    """The first queue, the first line's wait (until the ticket left it), the second line."""
    if figures.first_queue is None and event.to_state not in (State.RECEIVED, ""):
        figures.first_queue = event.to_queue
    if (
        figures.first_line_wait_s is None
        and figures.first_queue is not None
        and desk.lines.get(figures.first_queue) == FIRST_LINE
        and event.from_state == State.FIRST_LINE
        and event.to_state != State.FIRST_LINE
    ):
        figures.first_line_wait_s = _seconds(figures.created_at, event.at)
    if to_line == SECOND_LINE:
        figures.second_line = True


def _first_response(figures: TicketFigures, event: Event, desk: DeskShape) -> bool:
    """An agent's first mail to the customer: the first response (wall and business time);
    True when it is an answer, a first-contact resolution until the customer reopens."""
    if event.action not in MAIL_ACTIONS or figures.first_response_at is not None:
        return False
    figures.first_response_at = event.at
    figures.first_mail = event.action
    figures.first_response_s = _seconds(figures.created_at, event.at)
    if desk.calendar is not None:
        business = desk.calendar.between(figures.created_at, event.at)
        figures.first_response_business_s = max(0, round(business.total_seconds()))
    if event.action != Action.ANSWER:
        return False
    figures.first_contact = True
    figures.first_answer_seq = event.seq
    return True


def _closing(figures: TicketFigures, event: Event, closes: bool, reopens: bool) -> list[Mark]:
    """A close (the first one: handled within a day?), and the customer's reopen: the last
    close reopened, and a first answer reopened within the window no first contact."""
    marks: list[Mark] = []
    if closes:
        figures.closing_seq = event.seq
        if figures.first_closed_at is None:
            figures.first_closed_at = event.at
            figures.within_day = event.at - figures.created_at <= HANDLED_WITHIN
    if not (reopens and event.action == Action.CUSTOMER_MESSAGE):
        return marks
    if figures.closing_seq is not None:
        marks.append(Mark(figures.closing_seq, {"reopened_at": event.at}))
    within = (
        figures.first_closed_at is not None
        and event.at - figures.first_closed_at <= FIRST_CONTACT_WINDOW
    )
    if figures.first_contact and within and figures.first_answer_seq is not None:
        figures.first_contact = False
        marks.append(Mark(figures.first_answer_seq, {"first_contact": False}))
    return marks


def _breach(figures: TicketFigures, event: Event) -> str | None:
    """An SLA breach's clock, kept among the ticket's breaches."""
    if event.action != EventName.SLA_BREACH:
        return None
    clock = (event.detail or "").split(" ", 1)[0] or None
    if clock and clock not in figures.breached():
        figures.breaches = ",".join(sorted(figures.breached() | {clock}))
    return clock


def _routing(
    figures: TicketFigures, event: Event, desk: DeskShape, from_line: str, to_line: str
) -> list[Mark]:
    """An agent's move: the start of a routing to watch, or the verdict on the last one."""
    marks = []
    watched = figures.routed_into
    if watched is not None and event.from_queue == watched:
        wrong = to_line == FIRST_LINE or desk.groups.get(event.to_queue) != desk.groups.get(watched)
        in_time = figures.routed_at is not None and event.at - figures.routed_at <= (
            WRONG_ROUTING_WINDOW
        )
        if wrong and in_time and figures.routed_seq is not None:
            marks.append(Mark(figures.routed_seq, {"wrong_routing": True}))
        figures.routed_seq = figures.routed_at = figures.routed_into = None
    if from_line == FIRST_LINE and to_line == SECOND_LINE:
        figures.routed_seq, figures.routed_at = event.seq, event.at
        figures.routed_into = event.to_queue
    return marks


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    if not ordered:
        return None
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
