"""A ticket waiting on a tracker's task, and the Passwords steps' order (TicketRun, pure):
the task's news, polls, the overdue escalation, no customer reminder or closing meanwhile;
claims, then a verification, then one decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow.payloads import ActionRequest, TaskEvent, TaskState, TicketFacts
from ticketflow.tickets import sla
from ticketflow.tickets.lifecycle import Action, InvalidTransition, State, Ticket
from workflows.ticket_state import TicketRun

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LINES = {"Solvers": "second-line", "Passwords": "second-line"}
POLICY = sla.DeskPolicy(
    queues={"Solvers": sla.QueuePolicy(close_waiting_after_minutes=60, remind_waiting=True)},
    task_poll_seconds=600,
    task_limit_minutes=24 * 60,
)


def waiting_on_task(policy: sla.DeskPolicy = POLICY) -> TicketRun:
    facts = TicketFacts(
        ticket_id=7,
        ticket=Ticket(State.SECOND_LINE, "Solvers"),
        pending_since=T0,
        closed_at=None,
        version=1,
        last_seq=1,
        lines=LINES,
        policy=sla.policy_json(policy),
    )
    run = TicketRun.restore("n", facts, [])
    request = ActionRequest(action="file-task", agent="carol", task="42", reason="42")
    run.apply("carol", Action.FILE_TASK, run.decide(request, T0), request, T0)
    return run


def test_a_waiting_task_is_polled_then_its_news_brings_the_ticket_back() -> None:
    run = waiting_on_task()
    assert run.state is State.WAITING and run.facts.task is not None
    # Engineering is waited for, not the customer: no reminder, no closing at 60 minutes.
    assert run.next_timer() == T0 + timedelta(minutes=10)  # the first poll
    assert run.task_poll_due(T0 + timedelta(minutes=9)) is None
    assert run.task_poll_due(T0 + timedelta(minutes=10)) == "42"
    assert run.next_timer() == T0 + timedelta(minutes=20)
    run.fire_timers(T0 + timedelta(hours=2))
    assert run.state is State.WAITING and not run.outbound
    # A poll that sees nothing new says nothing; a comment, then the closing, do.
    assert run.task_seen(TaskState("42", comments=0)) is None
    assert run.task_seen(TaskState("42", unavailable="down")) is None
    assert run.task_seen(TaskState("42", comments=2)) == TaskEvent("42", "comment")
    run.take_task_event(TaskEvent("42", "comment"), T0 + timedelta(hours=3))
    assert run.ticket.state.value == "second-line" and run.facts.task is not None
    run.take_task_event(TaskEvent("99", "closed"), T0 + timedelta(hours=3))  # another's
    assert run.facts.task is not None
    run.take_task_event(TaskEvent("42", "closed"), T0 + timedelta(hours=4))
    assert run.facts.task is None
    assert [e.detail for e in run.events if e.action == "task-update"] == [
        "42 comment",
        "42 closed",
    ]


def test_a_task_open_too_long_raises_the_priority_once() -> None:
    run = waiting_on_task()
    run.fire_timers(T0 + timedelta(days=1))
    assert run.ticket.priority == 4
    assert [e.action for e in run.events][-2:] == ["task-overdue", "priority"]
    run.fire_timers(T0 + timedelta(days=3))
    assert run.ticket.priority == 4  # once


def test_passwords_steps_in_their_order() -> None:
    facts = TicketFacts(
        ticket_id=7,
        ticket=Ticket(State.SECOND_LINE, "Passwords"),
        pending_since=T0,
        closed_at=None,
        version=1,
        last_seq=1,
        lines=LINES,
    )
    run = TicketRun.restore("n", facts, [])

    def act(action: str, **fields: object) -> None:
        request = ActionRequest(action=action, agent="bob", **fields)  # type: ignore[arg-type]
        run.apply("bob", Action(action), run.decide(request, T0), request, T0)

    for action, code in (("verify", "claims-missing"), ("restore", "verify-first")):
        with pytest.raises(InvalidTransition) as refused:
            act(action, channel="sms")
        assert refused.value.why.code == code
    act("claims", claims_id=5)
    act("verify", reason="2 match")
    act("refuse", reason="no")
    assert run.state is State.CLOSED and run.facts.access is not None
    assert run.facts.access.decision == "refuse"


def test_a_closed_ticket_stops_asking_about_its_task() -> None:
    run = waiting_on_task()
    request = ActionRequest(action="close", agent="carol", reason="answered meanwhile")
    run.apply("carol", Action.CLOSE, run.decide(request, T0), request, T0)
    assert run.next_timer() is None and run.task_poll_due(T0 + timedelta(days=1)) is None
    run.fire_timers(T0 + timedelta(days=2))
    assert run.ticket.priority == 3  # no overdue escalation either
