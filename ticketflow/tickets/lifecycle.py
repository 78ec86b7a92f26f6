"""Ticket lifecycle rules: which action is valid in which state, and where it leads.

Pure data and functions (no Temporal, no SQL) so that the workflow, the API's
error messages and the tests all read the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, TypeVar

from ticketflow.tickets.reasons import Reason


class State(StrEnum):
    RECEIVED = "received"
    FIRST_LINE = "first-line"
    SECOND_LINE = "second-line"
    WAITING = "waiting"
    CLOSED = "closed"


class Action(StrEnum):
    # Agent actions, exposed through the API.
    TAKE = "take"
    NOTE = "note"
    ASK = "ask"
    ANSWER = "answer"
    MOVE = "move"
    CLOSE = "close"
    REOPEN = "reopen"
    PRIORITY = "priority"
    REMIND = "remind"  # "remind me at": the ticket comes back to the agent then
    RELEASE = "release"  # the owner gives the ticket back to its queue
    LANGUAGE = "language"  # what the ticket's answers are written in
    FORWARD = "forward"  # an article sent on to another address (another provider's abuse desk)
    # Lost access (Passwords): the customer's claims recorded (sealed), checked against the
    # account directory, and the decision, which answers the customer and closes the ticket.
    CLAIMS = "claims"
    VERIFY = "verify"
    RESTORE = "restore"
    REFUSE = "refuse"
    # Solvers: a task filed in the product's tracker (or an existing one linked); the ticket
    # waits on it, and comes back when the task closes or gets a comment (task-update).
    FILE_TASK = "file-task"
    # Many tickets at once: this ticket merged into another (its mail goes there; this one
    # closes and ends), and the other's record of it.
    MERGE = "merge"
    MERGED_IN = "merged-in"
    # System events.
    ROUTE = "route"
    CUSTOMER_MESSAGE = "customer-message"
    REMINDER = "reminder"  # an agent's reminder fell due
    RELEASED = "released"  # the owner did nothing for the desk's owner_timeout
    TASK_UPDATE = "task-update"  # the tracker's task closed or got a comment


AGENT_ACTIONS = frozenset(
    {
        Action.TAKE,
        Action.NOTE,
        Action.ASK,
        Action.ANSWER,
        Action.MOVE,
        Action.CLOSE,
        Action.REOPEN,
        Action.PRIORITY,
        Action.REMIND,
        Action.RELEASE,
        Action.LANGUAGE,
        Action.FORWARD,
        Action.CLAIMS,
        Action.VERIFY,
        Action.RESTORE,
        Action.REFUSE,
        Action.FILE_TASK,
        Action.MERGE,
    }
)
# The Passwords decision: access restored or refused, the customer answered from a template.
DECISIONS = frozenset({Action.RESTORE, Action.REFUSE})
# Actions that send the customer a mail written by an agent (or his decision's template).
MAIL_ACTIONS = frozenset({Action.ASK, Action.ANSWER}) | DECISIONS
# Actions that send mail an agent wrote: to the customer, or a forward to anyone.
SENDING_ACTIONS = MAIL_ACTIONS | {Action.FORWARD}
# Actions that carry an agent's text (stored as a draft first: claim check).
TEXT_ACTIONS = frozenset({Action.NOTE, Action.ASK, Action.ANSWER})
# While an agent owns a ticket, only that agent may do these (notes stay open to all who
# may read it, and taking it from the owner needs the steal right).
OWNER_ACTIONS = frozenset(
    {
        Action.ASK,
        Action.ANSWER,
        Action.CLOSE,
        Action.MOVE,
        Action.PRIORITY,
        Action.RELEASE,
        Action.LANGUAGE,
        Action.RESTORE,
        Action.REFUSE,
        Action.FILE_TASK,
        Action.MERGE,
    }
)
# Ownership ends (the ticket is its queue's again).
RELEASE_ACTIONS = frozenset({Action.RELEASE, Action.RELEASED})
# Who acts that is no agent: timers and escalation steps, and the customer's mail.
SYSTEM, CUSTOMER = "system", "customer"
OPEN_STATES = frozenset({State.FIRST_LINE, State.SECOND_LINE})
MIN_PRIORITY, MAX_PRIORITY, DEFAULT_PRIORITY = 1, 5, 3


class Target(StrEnum):
    """Where a valid action leads, when it does not name a state outright."""

    STAY = "stay"
    # The line of the queue the ticket ends up in (the action's queue or its own).
    QUEUE_LINE = "queue-line"
    # The line of the queue from which the last agent mail was sent.
    REPLY_QUEUE_LINE = "reply-queue-line"


_S, _T = State, Target
_OPEN_OR_WAITING = (_S.FIRST_LINE, _S.SECOND_LINE, _S.WAITING)

# TRANSITIONS[action][state] -> the next state, or how to find it.
# A (state, action) pair missing from this table is invalid.
TRANSITIONS: dict[Action, dict[State, State | Target]] = {
    Action.TAKE: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    Action.NOTE: {**dict.fromkeys(_OPEN_OR_WAITING, _T.STAY), _S.CLOSED: _T.STAY},
    # A forward changes nothing of the ticket, whatever its state: evidence goes on.
    Action.FORWARD: {**dict.fromkeys(_OPEN_OR_WAITING, _T.STAY), _S.CLOSED: _T.STAY},
    Action.ASK: dict.fromkeys(_OPEN_OR_WAITING, _S.WAITING),
    Action.ANSWER: dict.fromkeys(_OPEN_OR_WAITING, _S.CLOSED),
    # A waiting ticket stays waiting when moved: the customer still owes us an answer.
    Action.MOVE: {_S.FIRST_LINE: _T.QUEUE_LINE, _S.SECOND_LINE: _T.QUEUE_LINE, _S.WAITING: _T.STAY},
    Action.CLOSE: dict.fromkeys(_OPEN_OR_WAITING, _S.CLOSED),
    Action.REOPEN: {_S.WAITING: _T.QUEUE_LINE, _S.CLOSED: _T.QUEUE_LINE},
    Action.PRIORITY: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    # The customer's own, from the form, arrive with the new ticket (received).
    Action.CLAIMS: dict.fromkeys((_S.RECEIVED, *_OPEN_OR_WAITING), _T.STAY),
    Action.VERIFY: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    Action.RESTORE: dict.fromkeys(_OPEN_OR_WAITING, _S.CLOSED),
    Action.REFUSE: dict.fromkeys(_OPEN_OR_WAITING, _S.CLOSED),
    # The ticket waits on the task (its SLA clocks paused, as for any waiting ticket).
    Action.FILE_TASK: dict.fromkeys(_OPEN_OR_WAITING, _S.WAITING),
    # Back to its queue's line when the task moves; an open ticket is only told.
    Action.TASK_UPDATE: {
        _S.FIRST_LINE: _T.STAY,
        _S.SECOND_LINE: _T.STAY,
        _S.WAITING: _T.QUEUE_LINE,
    },
    # A duplicate merged into the ticket it repeats: closed here, its mail there.
    Action.MERGE: dict.fromkeys(_OPEN_OR_WAITING, _S.CLOSED),
    # Another ticket's mail now here: nothing of this one's state changes.
    Action.MERGED_IN: dict.fromkeys((*_OPEN_OR_WAITING, _S.CLOSED), _T.STAY),
    Action.REMIND: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    Action.RELEASE: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    Action.LANGUAGE: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    Action.RELEASED: dict.fromkeys(_OPEN_OR_WAITING, _T.STAY),
    # A waiting ticket comes back to its queue's line, for the agent who set the reminder.
    Action.REMINDER: {_S.FIRST_LINE: _T.STAY, _S.SECOND_LINE: _T.STAY, _S.WAITING: _T.QUEUE_LINE},
    Action.ROUTE: {_S.RECEIVED: _T.QUEUE_LINE},
    Action.CUSTOMER_MESSAGE: {
        _S.RECEIVED: _T.STAY,
        _S.FIRST_LINE: _T.STAY,
        _S.SECOND_LINE: _T.STAY,
        _S.WAITING: _T.REPLY_QUEUE_LINE,
        _S.CLOSED: _T.REPLY_QUEUE_LINE,
    },
}


class InvalidTransition(Exception):
    """An action that the ticket's current state or the action's arguments do not allow."""

    def __init__(self, why: Reason | str) -> None:
        self.why = (
            why if isinstance(why, Reason) else Reason("transition", "%(reason)s", {"reason": why})
        )
        self.reason = str(self.why)
        super().__init__(self.reason)


# Why the lifecycle refuses an action, by code (InvalidTransition's Reason).
REFUSALS = {
    "state": "cannot %(action)s a ticket that is %(state)s",
    "unowned": "nobody owns this ticket",
    "owned": "%(owner)s owns this ticket",
    "owned-steal": "%(owner)s owns this ticket; taking it needs the steal right",
    "queue-needed": "%(action)s needs a queue",
    "queue-unknown": "unknown queue '%(queue)s'; known: %(known)s",
    "queue-same": "the ticket is already in %(queue)s",
    "priority-range": "priority must be %(low)s-%(high)s",
    "remind-past": "remind needs a time in the future",
    "macro-step": "step %(step)s (%(action)s): %(reason)s",
    "claims-missing": "no claims are recorded on this ticket",
    "verify-first": "verify the claims before deciding",
    "decided": "access was already decided on this ticket (%(decision)s)",
    "directory-unavailable": "the account directory is unavailable; try again shortly",
    "account-missing": "the account directory has no such account",
    "tracker-unavailable": "the task tracker did not answer; try again shortly",
    "task-unknown": "the task tracker has no task %(task)s",
    "merge-into": "a merge needs another ticket to merge into",
}


def refused(code: str, **params: object) -> InvalidTransition:
    return InvalidTransition(Reason(code, REFUSALS[code], params))


@dataclass(frozen=True)
class Ticket:
    """The lifecycle-relevant facts of one ticket."""

    state: State
    queue: str
    owner: str | None = None
    priority: int = DEFAULT_PRIORITY
    # The queue from which the last agent mail was sent; a customer's reply reopens there.
    reply_queue: str | None = None


def new_ticket(queue: str) -> Ticket:
    """A ticket as it begins, stored and received, in its project's default queue until
    routed: the one first state that intake writes and the engine carries."""
    return Ticket(State.RECEIVED, queue)


@dataclass(frozen=True)
class Request:
    """One action with its arguments; which arguments matter depends on the action."""

    action: Action
    actor: str
    queue: str | None = None
    priority: int | None = None
    steal: bool = False  # the actor may take the ticket from another owner


def allowed_actions(state: State) -> list[Action]:
    """What an agent is offered in `state`: nothing on a ticket not yet routed (the only
    action valid then is the customer's own claims, sent with his form)."""
    if state is State.RECEIVED:
        return []
    return [a for a in Action if a in AGENT_ACTIONS and state in TRANSITIONS[a]]


def decide(
    ticket: Ticket,
    request: Request,
    lines: Mapping[str, str],
    one_owner: bool = True,
    writer_owns: bool = True,
) -> Ticket:
    """Return the ticket after `request`, or raise InvalidTransition with the reason.

    `lines` maps every known queue to its line ("first-line" or "second-line");
    `one_owner`: an owned ticket is its owner's alone; `writer_owns`: an agent's mail to
    the customer makes him the owner of a ticket nobody owns (each False only for runs of
    tickets that started before the rule).
    """
    action = request.action
    target = TRANSITIONS[action].get(ticket.state)
    if target is None:
        raise refused("state", action=action.value, state=ticket.state.value)
    _check_arguments(ticket, request, lines)
    if one_owner:
        _check_owner(ticket, request)
    if action in RELEASE_ACTIONS and ticket.owner is None:
        raise refused("unowned")
    queue = _next_queue(ticket, request, target, lines)
    if isinstance(target, State):
        state = target
    elif target is Target.STAY:
        state = ticket.state
    else:
        state = State(lines[queue])
    after = Ticket(state, queue, ticket.owner, ticket.priority, ticket.reply_queue)
    return _who_and_how(ticket, request, after, one_owner and writer_owns)


def _next_queue(
    ticket: Ticket, request: Request, target: State | Target, lines: Mapping[str, str]
) -> str:
    if request.action in (Action.MOVE, Action.ROUTE):
        return request.queue or ticket.queue
    if target is Target.REPLY_QUEUE_LINE:
        reply = ticket.reply_queue
        return reply if reply is not None and reply in lines else ticket.queue
    return ticket.queue


def _who_and_how(ticket: Ticket, request: Request, after: Ticket, writer_owns: bool) -> Ticket:
    """`after` with the owner, priority and reply queue the action leaves."""
    action = request.action
    if action in (Action.TAKE, Action.REMINDER):
        return replace(after, owner=request.actor)
    if action is Action.MOVE:
        # The receiving queue's agents take it from there; a waiting ticket's reply
        # comes back to where it went.
        reply = after.queue if ticket.state is State.WAITING else after.reply_queue
        return replace(after, owner=None, reply_queue=reply)
    if action is Action.PRIORITY and request.priority is not None:
        return replace(after, priority=request.priority)
    if action in RELEASE_ACTIONS:
        return replace(after, owner=None)
    if action in MAIL_ACTIONS:
        after = replace(after, reply_queue=ticket.queue)
        if writer_owns and after.owner is None:
            # Who writes to the customer owns the ticket (OTRS locks it on a reply): a
            # second agent's mail is refused, and his reply may come back to the writer.
            after = replace(after, owner=request.actor)
    return after


def decide_all(
    ticket: Ticket,
    requests: Sequence[Request],
    lines: Mapping[str, str],
    one_owner: bool = True,
    writer_owns: bool = True,
) -> Ticket:
    """The ticket after every request in turn (a macro); InvalidTransition names the first
    step refused, so that none is applied."""
    return decide_steps(
        ticket, requests, lambda now, request: decide(now, request, lines, one_owner, writer_owns)
    )


class Step(Protocol):
    """A macro's step, as a refusal names it."""

    @property
    def action(self) -> str: ...


S = TypeVar("S", bound=Step)


def decide_steps(
    ticket: Ticket, steps: Sequence[S], decide_one: Callable[[Ticket, S], Ticket]
) -> Ticket:
    """The ticket after every step in turn, each decided by `decide_one` on the ticket the
    steps before it leave; InvalidTransition names the first step refused."""
    for number, step in enumerate(steps, 1):
        try:
            ticket = decide_one(ticket, step)
        except InvalidTransition as err:
            action = str(step.action)
            # The step's own reason goes along whole (`why`), for a face that says it in
            # another language than the message it is folded into.
            why = err.why.parts()
            raise refused(
                "macro-step", step=number, action=action, reason=err.reason, why=why
            ) from None
    return ticket


def _check_owner(ticket: Ticket, request: Request) -> None:
    owner = ticket.owner
    if owner is None or owner == request.actor or request.actor in (SYSTEM, CUSTOMER):
        return
    if request.action in OWNER_ACTIONS:
        raise refused("owned", owner=owner)
    if request.action is Action.TAKE and not request.steal:
        raise refused("owned-steal", owner=owner)


def _check_arguments(ticket: Ticket, request: Request, lines: Mapping[str, str]) -> None:
    action = request.action
    if action in (Action.MOVE, Action.ROUTE):
        if not request.queue:
            raise refused("queue-needed", action=action.value)
        if request.queue not in lines:
            known = ", ".join(lines)
            raise refused("queue-unknown", queue=request.queue, known=known)
        if action is Action.MOVE and request.queue == ticket.queue:
            raise refused("queue-same", queue=request.queue)
    if action is Action.PRIORITY:
        p = request.priority
        if p is None or not MIN_PRIORITY <= p <= MAX_PRIORITY:
            raise refused("priority-range", low=MIN_PRIORITY, high=MAX_PRIORITY)
