"""A ticket's timers besides its SLA clocks, and how a change of state moves them all.
Pure functions over the facts a ticket workflow keeps (ticketflow.payloads.TicketFacts);
the workflow passes `workflow.now()`.

- A `waiting` ticket closes after its queue's period, reminding the customer halfway if
  the queue says so.
- An agent's "remind me at" brings the ticket back at that time.
- An open ticket's owner who does nothing for the desk's owner timeout loses it.
- The SLA clocks (ticketflow.tickets.sla) restart after every change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from ticketflow.tickets import lifecycle, sla
from ticketflow.tickets.lifecycle import Action, State


class TimerFacts(Protocol):
    """What the timers read and change of a ticket's facts (ticketflow.payloads.TicketFacts)."""

    clocks: sla.Clocks | None
    waiting_since: datetime | None
    waiting_reminded: bool
    remind_at: datetime | None
    remind_agent: str | None
    owner: str | None
    state: str
    owner_active_at: datetime | None


def waiting_times(
    facts: TimerFacts, queue: sla.QueuePolicy
) -> tuple[datetime | None, datetime | None]:
    """When a waiting ticket gets its reminder (if it gets one) and when it closes."""
    since = facts.waiting_since
    if since is None or not queue.close_waiting_after_minutes:
        return None, None
    period = timedelta(minutes=queue.close_waiting_after_minutes)
    remind = queue.remind_waiting and not facts.waiting_reminded
    return (since + period / 2 if remind else None), since + period


def owner_lapses_at(facts: TimerFacts, timeout_minutes: int | None) -> datetime | None:
    """When the owner of an open ticket loses it for doing nothing; None when nobody owns
    it, or it waits for the customer or is closed (the owner has nothing to do then)."""
    active = facts.owner_active_at
    if not timeout_minutes or facts.owner is None or active is None:
        return None
    if State(facts.state) not in lifecycle.OPEN_STATES:
        return None
    return active + timedelta(minutes=timeout_minutes)


def next_timer(facts: TimerFacts, queue: sla.QueuePolicy) -> datetime | None:
    """The next moment anything falls due: an SLA warning or breach, a waiting ticket's
    reminder or closing, an agent's reminder."""
    clocks = facts.clocks
    times = [
        sla.next_timer(clocks) if clocks else None,
        *waiting_times(facts, queue),
        facts.remind_at,
    ]
    return min((t for t in times if t is not None), default=None)


def after_change(
    facts: TimerFacts,
    policy: sla.DeskPolicy,
    before: lifecycle.Ticket,
    after: lifecycle.Ticket,
    action: Action,
    now: datetime,
) -> None:
    """Restart the clocks after any change; a waiting period starts or ends; closing
    drops an agent's reminder."""
    if policy.slas:  # a desk without SLAs keeps no clocks
        if facts.clocks is None:
            facts.clocks = sla.Clocks()
        if action in lifecycle.MAIL_ACTIONS:
            sla.agent_mailed(facts.clocks)
        elif action in (Action.CUSTOMER_MESSAGE, Action.REOPEN) and (
            after.state in lifecycle.OPEN_STATES
        ):
            sla.customer_wrote(facts.clocks)
        sla.reconcile(
            facts.clocks, after.state.value, policy.sla_for(after.queue), after.priority, now
        )
    if after.state is State.WAITING and before.state is not State.WAITING:
        facts.waiting_since, facts.waiting_reminded = now, False
    elif after.state is not State.WAITING:
        facts.waiting_since = None
    if after.state is State.CLOSED:
        facts.remind_at = facts.remind_agent = None
