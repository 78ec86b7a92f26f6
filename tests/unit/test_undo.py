"""Undo in TicketRun and the figures' view of it, without Temporal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.test_ticket_state import T0, facts
from ticketflow.payloads import ActionRequest, UndoRequest
from ticketflow.tickets import sla
from ticketflow.tickets.lifecycle import Action, InvalidTransition, State
from ticketflow.tickets.undo import UNDO, undone_seqs
from workflows.ticket_state import TicketRun


def acted(run: TicketRun, request: ActionRequest, at: timedelta = timedelta(0)) -> int:
    """Apply an agent's action as the workflow does; returns its undo id."""
    now = T0 + at
    action_id, before = run.before_action()
    run.apply(request.agent, Action(request.action), run.decide(request, now), request, now)
    offer = run.offer_undo(action_id, before, request.action, request.agent, [request], now)
    assert offer is not None
    return offer.action_id


def test_an_undone_answer_puts_the_ticket_back_and_its_mail_is_never_released() -> None:
    run = TicketRun.restore("n", facts(), [])
    answer = ActionRequest(action="answer", agent="bob", article_id=11)
    action_id = acted(run, answer)
    assert action_id == 3 and run.state is State.CLOSED and run.held == {11}
    run.projection(T0)  # the answer is in the read model
    version = run.undo(UndoRequest("bob", action_id), T0 + timedelta(seconds=4))
    ticket = run.ticket
    assert (ticket.state, ticket.queue, ticket.owner) == (State.FIRST_LINE, "Inbox", None)
    assert run.facts.closed_at is None and run.window_end(timedelta(days=7)) is None
    assert not run.release_held(11)  # the held send finds it withdrawn
    projection = run.projection(T0)
    assert projection.version == version and projection.withdrawn_articles == [11]
    [entry] = projection.events
    assert (entry.action, entry.actor, entry.detail) == (UNDO, "bob", "answer #3-3")
    assert (entry.from_state, entry.to_state) == ("closed", "first-line")
    # Once only.
    with pytest.raises(InvalidTransition) as again:
        run.decide_undo(UndoRequest("bob", action_id), T0 + timedelta(seconds=5))
    assert again.value.why.code == "undo-unknown"


def test_undo_is_refused_late_to_others_after_a_change_and_once_mail_went() -> None:
    run = TicketRun.restore("n", facts(), [])
    move = ActionRequest(action="move", agent="bob", queue="Passwords")
    action_id = acted(run, move)

    def refused(request: UndoRequest, seconds: float) -> str:
        with pytest.raises(InvalidTransition) as caught:
            run.decide_undo(request, T0 + timedelta(seconds=seconds))
        return caught.value.why.code

    assert refused(UndoRequest("ann", action_id), 1) == "undo-not-yours"
    assert refused(UndoRequest("bob", action_id), 10) == "undo-late"
    on_time = run.decide_undo(UndoRequest("bob", action_id), T0 + timedelta(seconds=9))
    assert on_time.action_id == action_id
    take = ActionRequest(action="take", agent="pw")
    acted(run, take, timedelta(seconds=1))
    assert refused(UndoRequest("bob", action_id), 2) == "undo-changed"

    run = TicketRun.restore("n", facts(), [])
    ask = ActionRequest(action="ask", agent="bob", article_id=12)
    action_id = acted(run, ask)
    assert run.release_held(12)  # its window is over: the mail has started
    assert refused(UndoRequest("bob", action_id), 1) == "undo-sent"


def waiting_facts(run: TicketRun) -> tuple[State, str | None, datetime | None]:
    return run.state, run.ticket.owner, run.facts.timers.waiting_since


def test_a_macro_is_undone_whole_and_its_timers_come_back() -> None:
    policy = sla.DeskPolicy(queues={"Inbox": sla.QueuePolicy(close_waiting_after_minutes=60)})
    run = TicketRun.restore("n", facts(), [])
    run.policy = policy
    steps = [
        ActionRequest(action="take", agent="bob"),
        ActionRequest(action="ask", agent="bob", article_id=21),
    ]
    action_id, before = run.before_action()
    run.record("bob", "macro", run.ticket, run.ticket, "ask-details", None, T0)
    for step in steps:
        run.apply("bob", Action(step.action), run.decide(step, T0), step, T0)
    offer = run.offer_undo(action_id, before, "ask-details", "bob", steps, T0)
    assert offer is not None and offer.mails == [21]
    assert waiting_facts(run) == (State.WAITING, "bob", T0)
    run.undo(UndoRequest("bob", action_id), T0 + timedelta(seconds=3))
    assert waiting_facts(run) == (State.FIRST_LINE, None, None)
    assert run.next_timer() is None and run.held == set()
    assert run.events[-1].detail == "ask-details #3-5"


def test_a_desk_without_undo_holds_no_mail_and_offers_none() -> None:
    run = TicketRun.restore("n", facts(), [])
    run.policy = sla.DeskPolicy(undo_seconds=0)
    answer = ActionRequest(action="answer", agent="bob", article_id=11)
    action_id, before = run.before_action()
    run.apply("bob", Action.ANSWER, run.decide(answer, T0), answer, T0)
    assert run.offer_undo(action_id, before, "answer", "bob", [answer], T0) is None
    assert run.outbound[0].hold_until is None and run.held == set()
    # Runs begun before undo (the patch) neither.
    old = TicketRun.restore("n", facts(), [])
    old.undoable = False
    assert old.undo_window == timedelta(0)


def test_the_figures_skip_what_an_undo_took_back() -> None:
    history = [
        (1, "customer-message", None),
        (2, "route", None),
        (3, "macro", "spam"),
        (4, "take", None),
        (5, "close", "spam"),
        (6, UNDO, "spam #3-5"),
        (7, "answer", None),
        (8, UNDO, None),  # an entry without a range takes back nothing else
    ]
    assert undone_seqs(history) == {3, 4, 5, 6, 8}
