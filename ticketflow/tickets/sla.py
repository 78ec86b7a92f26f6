"""Service levels: the escalation clocks of a ticket, in business time. Pure functions.

Three clocks, each with a budget of business minutes in its queue's calendar:
- first-response: from the ticket's arrival in a queue until the first agent mail;
- update: from a customer's message (or a reopen) after that until the next agent mail;
- solution: from arrival until the ticket is closed; a reopen resumes it.
While the ticket is `waiting` every clock is paused; `closed` stops them. After every
change the workflow folds the time each running clock has used into `consumed` (in the
calendar that was in force) and restarts it under the policy now in force: a move to
another queue, or a new priority, recomputes the deadlines from what is left.

The workflow carries this data (plain dataclasses) and calls these functions with
`workflow.now()`; deadlines become durable timers, never polling.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from ticketflow.tickets.calendars import CalendarSpec, calendar_for

FIRST_RESPONSE, UPDATE, SOLUTION = "first-response", "update", "solution"
CLOCKS = (FIRST_RESPONSE, UPDATE, SOLUTION)
WARNING, BREACH = "warning", "breach"
StepAction = Literal["raise-priority", "move", "notify", "webhook"]


@dataclass
class SlaTargets:
    """Budgets in business minutes; None: that clock does not run."""

    first_response: int | None = None
    update: int | None = None
    solution: int | None = None

    def budget(self, clock: str) -> timedelta | None:
        minutes = {FIRST_RESPONSE: self.first_response, UPDATE: self.update}.get(
            clock, self.solution
        )
        return timedelta(minutes=minutes) if minutes is not None else None


@dataclass
class EscalationStep:
    action: StepAction
    queue: str | None = None  # move
    url: str | None = None  # webhook


@dataclass
class SlaPolicy:
    name: str
    calendar: CalendarSpec
    targets: SlaTargets
    # Priority ("1".."5") -> budgets that replace the defaults for tickets of that priority.
    by_priority: dict[str, SlaTargets] = field(default_factory=dict)
    warn_share: float = 0.8
    on_warning: list[EscalationStep] = field(default_factory=list)
    on_breach: list[EscalationStep] = field(default_factory=list)

    def budget(self, clock: str, priority: int) -> timedelta | None:
        override = self.by_priority.get(str(priority))
        if override is not None and override.budget(clock) is not None:
            return override.budget(clock)
        return self.targets.budget(clock)


@dataclass
class QueuePolicy:
    sla: str | None = None
    # A waiting ticket with no customer reply closes after this long (wall-clock time);
    # None: never. With `remind_waiting`, the customer gets a reminder halfway.
    close_waiting_after_minutes: int | None = 7 * 24 * 60
    remind_waiting: bool = False
    # When a customer's reply (or an agent) reopens a ticket here, its owner keeps it
    # ("keep") or it goes back to the queue ("release").
    reopen_owner: str = "keep"
    # Priority ("1".."5") -> the SLA tickets of that priority have here instead of `sla`
    # (security mail at priority 5 keeps its own, round-the-clock promise).
    slas_by_priority: dict[str, str] = field(default_factory=dict)


@dataclass
class DeskPolicy:
    """The desk's timers as a ticket workflow carries them (from the desk config)."""

    queues: dict[str, QueuePolicy] = field(default_factory=dict)
    slas: dict[str, SlaPolicy] = field(default_factory=dict)
    # An open ticket's owner who does nothing for this long loses it; None: never.
    owner_timeout_minutes: int | None = 30
    # An agent's action may be undone this long, and his mail waits as long before it
    # goes out; 0: no undo, mail goes at once.
    undo_seconds: int = 10
    # A tracker's task the ticket waits on: asked this often where its webhooks cannot
    # reach the desk (None: never), and escalated once open this long (None: never).
    task_poll_seconds: int | None = None
    task_limit_minutes: int | None = None

    def queue(self, name: str) -> QueuePolicy:
        return self.queues.get(name) or QueuePolicy()

    def sla_for(self, queue: str, priority: int | None = None) -> SlaPolicy | None:
        """The SLA of a ticket in `queue` at `priority` (the queue's own when its
        `slas_by_priority` names none for it)."""
        found = self.queue(queue)
        name = found.slas_by_priority.get(str(priority)) or found.sla
        return self.slas.get(name) if name else None


def policy_json(policy: DeskPolicy) -> str:
    """The policy as workflows carry it: one string, which the payload converter passes
    as it is, instead of walking a tree of dataclasses on every workflow start."""
    return json.dumps(asdict(policy), separators=(",", ":"), sort_keys=True)


@lru_cache(maxsize=64)
def policy_from_json(text: str) -> DeskPolicy:
    """The policy a workflow carries; parsed once per worker for each distinct text, and
    shared (nothing modifies a policy)."""
    data = json.loads(text)
    return DeskPolicy(
        queues={name: QueuePolicy(**q) for name, q in data["queues"].items()},
        slas={name: _sla(s) for name, s in data["slas"].items()},
        owner_timeout_minutes=data.get("owner_timeout_minutes", 30),
        undo_seconds=data.get("undo_seconds", 10),
        task_poll_seconds=data.get("task_poll_seconds"),
        task_limit_minutes=data.get("task_limit_minutes"),
    )


def _sla(data: dict[str, Any]) -> SlaPolicy:
    return SlaPolicy(
        name=data["name"],
        calendar=CalendarSpec(**data["calendar"]),
        targets=SlaTargets(**data["targets"]),
        by_priority={p: SlaTargets(**t) for p, t in data["by_priority"].items()},
        warn_share=data["warn_share"],
        on_warning=[EscalationStep(**step) for step in data["on_warning"]],
        on_breach=[EscalationStep(**step) for step in data["on_breach"]],
    )


@dataclass
class Clock:
    name: str
    consumed_seconds: float = 0.0  # business time used before `running_since`
    running_since: datetime | None = None
    deadline: datetime | None = None
    warn_at: datetime | None = None
    warned: bool = False
    breached: bool = False
    # The deadline that was missed, kept while the clock stays over its budget.
    overdue_since: datetime | None = None
    # Calendar and budget the clock runs under: how to measure what it used.
    calendar: CalendarSpec | None = None


@dataclass
class Clocks:
    """What the workflow keeps: the clocks, and which of them the ticket needs running."""

    clocks: list[Clock] = field(default_factory=lambda: [Clock(name) for name in CLOCKS])
    responded: bool = False  # an agent mail has gone to the customer
    awaiting_update: bool = False  # the customer wrote after our last mail

    def clock(self, name: str) -> Clock:
        return next(c for c in self.clocks if c.name == name)


@dataclass(frozen=True)
class Due:
    clock: str
    kind: str  # WARNING or BREACH
    deadline: datetime


def agent_mailed(clocks: Clocks) -> None:
    """An agent's question or answer went out: first response given, update answered."""
    clocks.responded = True
    clocks.awaiting_update = False
    _reset(clocks.clock(UPDATE))


def customer_wrote(clocks: Clocks) -> None:
    """A customer's message (or a reopen): after our first response, we owe an update."""
    if clocks.responded and not clocks.awaiting_update:
        clocks.awaiting_update = True
        _reset(clocks.clock(UPDATE))


def reconcile(
    clocks: Clocks, state: str, policy: SlaPolicy | None, priority: int, now: datetime
) -> None:
    """Fold running time into each clock and restart the ones the ticket now needs."""
    for clock in clocks.clocks:
        if clock.running_since is not None and clock.calendar is not None:
            used = calendar_for(clock.calendar).between(clock.running_since, now)
            clock.consumed_seconds += used.total_seconds()
        clock.running_since = clock.deadline = clock.warn_at = None
        clock.calendar = None
    if policy is None or state not in ("first-line", "second-line"):
        return  # waiting pauses, closed stops, and a queue without an SLA has no clocks
    wanted = {SOLUTION}
    if not clocks.responded:
        wanted.add(FIRST_RESPONSE)
    if clocks.awaiting_update:
        wanted.add(UPDATE)
    calendar = calendar_for(policy.calendar)
    for clock in clocks.clocks:
        budget = policy.budget(clock.name, priority)
        if clock.name not in wanted or budget is None:
            continue
        consumed = timedelta(seconds=clock.consumed_seconds)
        clock.running_since, clock.calendar = now, policy.calendar
        left = budget - consumed
        clock.deadline = calendar.add(now, left)
        if left <= timedelta(0) and clock.overdue_since is not None:
            clock.deadline = clock.overdue_since
        clock.warn_at = calendar.add(now, budget * policy.warn_share - consumed)
        # A new queue or priority may give more time: the clock warns and breaches anew.
        clock.breached = clock.breached and clock.deadline <= now
        clock.overdue_since = clock.overdue_since if clock.breached else None
        clock.warned = clock.warned and clock.warn_at <= now


def due(clocks: Clocks, now: datetime) -> list[Due]:
    """Warnings and breaches whose time has come, each once; marks them as given."""
    found: list[Due] = []
    for clock in clocks.clocks:
        if clock.deadline is None:
            continue
        if clock.warn_at is not None and not clock.warned and clock.warn_at <= now:
            clock.warned = True
            if clock.deadline > now:  # a breach that is due too says it all
                found.append(Due(clock.name, WARNING, clock.deadline))
        if not clock.breached and clock.deadline <= now:
            clock.warned = clock.breached = True
            clock.overdue_since = clock.deadline
            found.append(Due(clock.name, BREACH, clock.deadline))
    return found


def next_timer(clocks: Clocks) -> datetime | None:
    """When the next warning or breach falls due, if any clock is running."""
    times = [
        t
        for c in clocks.clocks
        for t, given in ((c.warn_at, c.warned), (c.deadline, c.breached))
        if t is not None and not given
    ]
    return min(times, default=None)


def upcoming(clocks: Clocks) -> tuple[datetime, Due] | None:
    """The next warning or breach to fall due (when, and what), if any clock runs."""
    found = [
        (at, Due(c.name, kind, c.deadline))
        for c in clocks.clocks
        if c.deadline is not None
        for at, kind, given in ((c.warn_at, WARNING, c.warned), (c.deadline, BREACH, c.breached))
        if at is not None and not given
    ]
    return min(found, key=lambda pair: pair[0], default=None)


def escalation_at(clocks: Clocks) -> datetime | None:
    """The earliest deadline of a running clock, met or already breached: what the queue
    views sort by and supervisors watch."""
    return min((c.deadline for c in clocks.clocks if c.deadline is not None), default=None)


def _reset(clock: Clock) -> None:
    clock.consumed_seconds = 0.0
    clock.running_since = clock.deadline = clock.warn_at = None
    clock.calendar = None
    clock.warned = clock.breached = False
    clock.overdue_since = None
