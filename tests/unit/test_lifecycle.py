import itertools
from typing import Any

import pytest

from ticketflow.tickets.lifecycle import (
    AGENT_ACTIONS,
    Action,
    InvalidTransition,
    Request,
    State,
    Ticket,
    allowed_actions,
    decide,
)

LINES = {"Inbox": "first-line", "Passwords": "second-line", "Web": "second-line"}
R, F, S, W, C = (
    State.RECEIVED,
    State.FIRST_LINE,
    State.SECOND_LINE,
    State.WAITING,
    State.CLOSED,
)
# The queue each starting state is in for the matrix below.
QUEUE_OF = {R: "Inbox", F: "Inbox", S: "Passwords", W: "Passwords", C: "Passwords"}
# Arguments that make each action well-formed from every starting queue.
ARGS: dict[Action, dict[str, Any]] = {
    Action.MOVE: {"queue": "Web"},
    Action.ROUTE: {"queue": "Web"},
    Action.PRIORITY: {"priority": 1},
}

# Written out by hand (not derived from the table under test): the state after
# each action from each state; None means the action is refused.
EXPECTED: dict[Action, dict[State, State | None]] = {
    Action.TAKE: {R: None, F: F, S: S, W: W, C: None},
    Action.NOTE: {R: None, F: F, S: S, W: W, C: C},
    Action.ASK: {R: None, F: W, S: W, W: W, C: None},
    Action.ANSWER: {R: None, F: C, S: C, W: C, C: None},
    Action.MOVE: {R: None, F: S, S: S, W: W, C: None},
    Action.CLOSE: {R: None, F: C, S: C, W: C, C: None},
    Action.REOPEN: {R: None, F: None, S: None, W: S, C: S},
    Action.PRIORITY: {R: None, F: F, S: S, W: W, C: None},
    Action.REMIND: {R: None, F: F, S: S, W: W, C: None},
    # Back to the queue's line from waiting, owned by the agent who set it.
    Action.REMINDER: {R: None, F: F, S: S, W: S, C: None},
    Action.RELEASE: {R: None, F: F, S: S, W: W, C: None},
    Action.LANGUAGE: {R: None, F: F, S: S, W: W, C: None},
    # A forward sends mail on and changes nothing, closed tickets' included.
    Action.FORWARD: {R: None, F: F, S: S, W: W, C: C},
    Action.RELEASED: {R: None, F: F, S: S, W: W, C: None},
    # Passwords: claims and a verification change nothing; a decision answers and closes.
    Action.CLAIMS: {R: R, F: F, S: S, W: W, C: None},
    Action.VERIFY: {R: None, F: F, S: S, W: W, C: None},
    Action.RESTORE: {R: None, F: C, S: C, W: C, C: None},
    Action.REFUSE: {R: None, F: C, S: C, W: C, C: None},
    # Solvers: the ticket waits on the task; the task's news brings a waiting one back.
    Action.FILE_TASK: {R: None, F: W, S: W, W: W, C: None},
    Action.TASK_UPDATE: {R: None, F: F, S: S, W: S, C: None},
    # A duplicate closes, merged into the ticket it repeats; that one records it, as it is.
    Action.MERGE: {R: None, F: C, S: C, W: C, C: None},
    Action.MERGED_IN: {R: None, F: F, S: S, W: W, C: C},
    Action.ROUTE: {R: S, F: None, S: None, W: None, C: None},
    # Reopens in the reply queue (Inbox here), so first-line.
    Action.CUSTOMER_MESSAGE: {R: R, F: F, S: S, W: F, C: F},
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(State, Action)))
def test_every_state_action_pair(state: State, action: Action) -> None:
    # Owned by the actor, so that releasing is well-formed and no owner stands in the way.
    ticket = Ticket(state=state, queue=QUEUE_OF[state], owner="alice", reply_queue="Inbox")
    request = Request(action=action, actor="alice", **ARGS.get(action, {}))
    expected = EXPECTED[action][state]
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            decide(ticket, request, LINES)
        assert f"cannot {action} a ticket that is {state}" == err.value.reason
    else:
        assert decide(ticket, request, LINES).state is expected


def test_allowed_actions_lists_only_agent_actions() -> None:
    assert set(allowed_actions(State.CLOSED)) == {Action.NOTE, Action.FORWARD, Action.REOPEN}
    assert all(a in AGENT_ACTIONS for s in State for a in allowed_actions(s))
    assert allowed_actions(State.RECEIVED) == []


def test_answer_records_reply_queue_and_reply_reopens_there() -> None:
    ticket = Ticket(state=S, queue="Passwords", owner="bob")
    closed = decide(ticket, Request(Action.ANSWER, "bob"), LINES)
    assert (closed.state, closed.reply_queue, closed.owner) == (C, "Passwords", "bob")
    reopened = decide(closed, Request(Action.CUSTOMER_MESSAGE, "customer"), LINES)
    assert (reopened.state, reopened.queue) == (S, "Passwords")


def test_reply_without_reply_queue_reopens_in_own_queue() -> None:
    ticket = Ticket(state=C, queue="Web", reply_queue=None)
    assert decide(ticket, Request(Action.CUSTOMER_MESSAGE, "c"), LINES).queue == "Web"


def test_reply_queue_that_no_longer_exists_falls_back_to_own_queue() -> None:
    ticket = Ticket(state=C, queue="Web", reply_queue="Retired")
    assert decide(ticket, Request(Action.CUSTOMER_MESSAGE, "c"), LINES).queue == "Web"


def test_move_follows_the_line_and_clears_owner() -> None:
    ticket = Ticket(state=F, queue="Inbox", owner="alice")
    moved = decide(ticket, Request(Action.MOVE, "alice", queue="Passwords"), LINES)
    assert (moved.state, moved.queue, moved.owner) == (S, "Passwords", None)
    back = decide(moved, Request(Action.MOVE, "bob", queue="Inbox"), LINES)
    assert (back.state, back.queue) == (F, "Inbox")


def test_moving_a_waiting_ticket_hands_the_reply_to_the_new_queue() -> None:
    asked = decide(Ticket(state=F, queue="Inbox"), Request(Action.ASK, "alice"), LINES)
    assert (asked.state, asked.reply_queue) == (W, "Inbox")
    moved = decide(asked, Request(Action.MOVE, "alice", queue="Passwords"), LINES)
    assert (moved.state, moved.queue, moved.reply_queue) == (W, "Passwords", "Passwords")
    replied = decide(moved, Request(Action.CUSTOMER_MESSAGE, "c"), LINES)
    assert (replied.state, replied.queue) == (S, "Passwords")


def test_take_sets_owner_and_priority_sets_priority() -> None:
    ticket = Ticket(state=F, queue="Inbox")
    assert decide(ticket, Request(Action.TAKE, "alice"), LINES).owner == "alice"
    assert decide(ticket, Request(Action.PRIORITY, "a", priority=5), LINES).priority == 5


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (Request(Action.MOVE, "a"), "move needs a queue"),
        (
            Request(Action.MOVE, "a", queue="Nowhere"),
            "unknown queue 'Nowhere'; known: Inbox, Passwords, Web",
        ),
        (Request(Action.MOVE, "a", queue="Inbox"), "the ticket is already in Inbox"),
        (Request(Action.PRIORITY, "a"), "priority must be 1-5"),
        (Request(Action.PRIORITY, "a", priority=0), "priority must be 1-5"),
        (Request(Action.PRIORITY, "a", priority=6), "priority must be 1-5"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(request_: Request, reason: str) -> None:
    with pytest.raises(InvalidTransition) as err:
        decide(Ticket(state=F, queue="Inbox"), request_, LINES)
    assert err.value.reason == reason


def test_every_agent_action_has_a_typed_body() -> None:
    from ticketflow.service.shapes import ACTION_BODIES

    # Claims have a route of their own (POST .../claims): sealed as they arrive.
    assert set(ACTION_BODIES) == {a.value for a in AGENT_ACTIONS} - {Action.CLAIMS.value}


# One agent per ticket: what another agent may still do while "ann" owns it.
OTHERS_MAY = {
    Action.NOTE: True,
    Action.TAKE: False,  # only with the steal right
    Action.ASK: False,
    Action.ANSWER: False,
    Action.CLOSE: False,
    Action.MOVE: False,
    Action.PRIORITY: False,
    Action.REMIND: True,
    Action.RELEASE: False,
    Action.LANGUAGE: False,  # what the owner's answers are written in
}


@pytest.mark.parametrize(("action", "allowed"), sorted(OTHERS_MAY.items()))
def test_an_owned_ticket_is_its_owner_s_alone(action: Action, allowed: bool) -> None:
    owned = Ticket(F, "Inbox", owner="ann")
    args = ARGS.get(action, {})
    decide(owned, Request(action, "ann", **args), LINES)  # the owner may
    if allowed:
        decide(owned, Request(action, "bob", **args), LINES)
    else:
        with pytest.raises(InvalidTransition, match="ann owns this ticket"):
            decide(owned, Request(action, "bob", **args), LINES)
    # Timers and escalation steps act whoever owns it; runs before the rule had none.
    if action in (Action.CLOSE, Action.MOVE, Action.PRIORITY, Action.RELEASE):
        decide(owned, Request(action, "system", **args), LINES)
    decide(owned, Request(action, "bob", **args), LINES, one_owner=False)


def test_taking_from_the_owner_needs_the_steal_right() -> None:
    owned = Ticket(F, "Inbox", owner="ann")
    with pytest.raises(InvalidTransition, match="needs the steal right"):
        decide(owned, Request(Action.TAKE, "bob"), LINES)
    assert decide(owned, Request(Action.TAKE, "bob", steal=True), LINES).owner == "bob"


@pytest.mark.parametrize("action", [Action.RELEASE, Action.RELEASED])
def test_release_gives_the_ticket_back_and_needs_an_owner(action: Action) -> None:
    actor = "ann" if action is Action.RELEASE else "system"
    released = decide(Ticket(S, "Passwords", owner="ann"), Request(action, actor), LINES)
    assert (released.state, released.queue, released.owner) == (S, "Passwords", None)
    with pytest.raises(InvalidTransition, match="nobody owns this ticket"):
        decide(released, Request(action, actor), LINES)


@pytest.mark.parametrize("action", [Action.ASK, Action.ANSWER])
def test_who_writes_to_the_customer_owns_the_ticket(action: Action) -> None:
    written = decide(Ticket(F, "Inbox"), Request(action, "ann"), LINES)
    assert written.owner == "ann"
    # A second agent's mail, racing the first, is refused (an answered ticket is closed).
    if written.state is not C:
        with pytest.raises(InvalidTransition, match="ann owns this ticket"):
            decide(written, Request(action, "bob"), LINES)
    # Runs from before the rule kept the ticket unowned.
    assert decide(Ticket(F, "Inbox"), Request(action, "ann"), LINES, one_owner=False).owner is None
    before = decide(Ticket(F, "Inbox"), Request(action, "ann"), LINES, writer_owns=False)
    assert before.owner is None
