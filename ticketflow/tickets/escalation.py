"""What an SLA warning or breach does to its ticket: each escalation step decided against
the ticket as the earlier steps left it. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.sla import EscalationStep

# Steps that tell someone (supervisors by mail, another system by webhook) rather than
# change the ticket.
NOTICE_STEPS = frozenset({"notify", "webhook"})


@dataclass(frozen=True)
class SystemChange:
    """A change the system makes to the ticket: a higher priority, or another queue."""

    action: Action
    priority: int | None = None
    queue: str | None = None


def change_for(step: EscalationStep, ticket: lifecycle.Ticket) -> SystemChange | None:
    """The change a step asks of the ticket; None when it asks none (a notice, a priority
    already at the top, a move to where the ticket is)."""
    if step.action == "raise-priority" and ticket.priority < lifecycle.MAX_PRIORITY:
        return SystemChange(Action.PRIORITY, priority=ticket.priority + 1)
    if step.action == "move" and step.queue != ticket.queue:
        return SystemChange(Action.MOVE, queue=step.queue)
    return None
