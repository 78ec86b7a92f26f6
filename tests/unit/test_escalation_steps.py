"""Escalation steps decided against the ticket: pure, no Temporal."""

from __future__ import annotations

import pytest

from ticketflow.tickets.escalation import SystemChange, change_for
from ticketflow.tickets.lifecycle import MAX_PRIORITY, Action, State, Ticket
from ticketflow.tickets.sla import EscalationStep

OPEN = Ticket(state=State.FIRST_LINE, queue="Inbox", priority=3)


def test_raise_priority_raises_by_one_until_the_top() -> None:
    step = EscalationStep("raise-priority")
    assert change_for(step, OPEN) == SystemChange(Action.PRIORITY, priority=4)
    top = Ticket(state=State.FIRST_LINE, queue="Inbox", priority=MAX_PRIORITY)
    assert change_for(step, top) is None


def test_move_moves_unless_the_ticket_is_there() -> None:
    assert change_for(EscalationStep("move", queue="Escalated"), OPEN) == SystemChange(
        Action.MOVE, queue="Escalated"
    )
    assert change_for(EscalationStep("move", queue="Inbox"), OPEN) is None


@pytest.mark.parametrize("action", ["notify", "webhook"])
def test_notices_change_nothing(action: str) -> None:
    step = EscalationStep(action, url="https://hooks.example/x")  # type: ignore[arg-type]
    assert change_for(step, OPEN) is None
