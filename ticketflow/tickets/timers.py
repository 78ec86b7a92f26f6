"""A ticket's timers besides its lifecycle, and how a change of state moves them all.
Pure: the workflow carries them (ticketflow.payloads.TicketFacts) and passes
`workflow.now()`.

- A `waiting` ticket closes after its queue's period, reminding the customer halfway if
  the queue says so.
- An agent's "remind me at" brings the ticket back at that time.
- An open ticket's owner who does nothing for the desk's owner timeout loses it.
- The SLA clocks (ticketflow.tickets.sla) restart after every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketflow.tickets import lifecycle, sla
from ticketflow.tickets.lifecycle import Action, State


@dataclass
class TicketTimers:
    """Every moment a ticket waits for: its SLA clocks (made on first use), a waiting
    period, an agent's reminder, and when its owner last acted."""

    clocks: sla.Clocks | None = None
    waiting_since: datetime | None = None
    waiting_reminded: bool = False
    remind_at: datetime | None = None
    remind_agent: str | None = None
    # The owner's last action (or when he got the ticket); his ownership lapses from it.
    owner_active_at: datetime | None = None


def waiting_times(
    timers: TicketTimers, queue: sla.QueuePolicy
) -> tuple[datetime | None, datetime | None]:
    """When a waiting ticket gets its reminder (if it gets one) and when it closes."""
    since = timers.waiting_since
    if since is None or not queue.close_waiting_after_minutes:
        return None, None
    period = timedelta(minutes=queue.close_waiting_after_minutes)
    remind = queue.remind_waiting and not timers.waiting_reminded
    return (since + period / 2 if remind else None), since + period


def owner_lapses_at(
    ticket: lifecycle.Ticket, timers: TicketTimers, timeout_minutes: int | None
) -> datetime | None:
    """When the owner of an open ticket loses it for doing nothing; None when nobody owns
    it, or it waits for the customer or is closed (the owner has nothing to do then)."""
    active = timers.owner_active_at
    if not timeout_minutes or ticket.owner is None or active is None:
        return None
    if ticket.state not in lifecycle.OPEN_STATES:
        return None
    return active + timedelta(minutes=timeout_minutes)


def next_timer(timers: TicketTimers, queue: sla.QueuePolicy) -> datetime | None:
    """The next moment anything falls due: an SLA warning or breach, a waiting ticket's
    reminder or closing, an agent's reminder."""
    clocks = timers.clocks
    times = [
        sla.next_timer(clocks) if clocks else None,
        *waiting_times(timers, queue),
        timers.remind_at,
    ]
    return min((t for t in times if t is not None), default=None)


def after_change(
    timers: TicketTimers,
    policy: sla.DeskPolicy,
    before: lifecycle.Ticket,
    after: lifecycle.Ticket,
    action: Action,
    now: datetime,
) -> None:
    """Restart the clocks after any change; a waiting period starts or ends; closing
    drops an agent's reminder."""
    if policy.slas:  # a desk without SLAs keeps no clocks
        if timers.clocks is None:
            timers.clocks = sla.Clocks()
        if action in lifecycle.MAIL_ACTIONS:
            sla.agent_mailed(timers.clocks)
        elif action in (Action.CUSTOMER_MESSAGE, Action.REOPEN) and (
            after.state in lifecycle.OPEN_STATES
        ):
            sla.customer_wrote(timers.clocks)
        sla.reconcile(
            timers.clocks,
            after.state.value,
            policy.sla_for(after.queue, after.priority),
            after.priority,
            now,
        )
    if after.state is State.WAITING and before.state is not State.WAITING:
        timers.waiting_since, timers.waiting_reminded = now, False
    elif after.state is not State.WAITING:
        timers.waiting_since = None
    if after.state is State.CLOSED:
        timers.remind_at = timers.remind_agent = None
