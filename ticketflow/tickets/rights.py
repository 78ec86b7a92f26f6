"""What a group may do: rights as fine as OTRS's, as pure tables.

In a queue: `ro` sees a ticket (its articles, history, attachments); `note`, `reply` (ask,
answer), `owner` (take, remind, release), `priority` and `close` (close, reopen) each allow
their actions; `move_into` lets the queue be a move's target (and nothing else: a first-line
agent may hand a ticket to Passwords and then no longer read it); `steal` takes a ticket
another agent owns; `rw` is all of them but `steal`, `verify` and `file_task`; `verify` is the
Passwords tools (claims, verification, the decision to restore access or refuse);
`file_task` files a task in the product's tracker, or links an existing one (Solvers). Every
right but `move_into` includes `ro`.

In a project, a group's roles give it rights over the whole desk: a `supervisor` reads the
project's reports and every queue, and may run any macro (each step still needs its
right), and manages incidents; an `admin` administers the project's agents (and reads
their audit log), reads the reports, and handles the mail kept for review; `incidents`
gives a first-line group incidents alone (make, link, answer, close).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.reasons import Reason


class Right(StrEnum):
    RO = "ro"
    NOTE = "note"
    REPLY = "reply"
    OWNER = "owner"
    PRIORITY = "priority"
    CLOSE = "close"
    MOVE_INTO = "move_into"
    STEAL = "steal"
    RW = "rw"
    # The Passwords tools: record a customer's claims, verify them against the account
    # directory, decide (restore or refuse). Not in `rw`: a group is given it by name.
    VERIFY = "verify"
    # Solvers' tasks in the product's tracker (file one, or link an existing one). Not in
    # `rw` either.
    FILE_TASK = "file_task"


# The right each agent action needs on the ticket's current queue. A move needs `owner`
# there (`rw` includes it) and `move_into` on its target.
NEEDED: Mapping[Action, Right] = {
    Action.NOTE: Right.NOTE,
    Action.ASK: Right.REPLY,
    Action.ANSWER: Right.REPLY,
    Action.TAKE: Right.OWNER,
    Action.REMIND: Right.OWNER,
    Action.RELEASE: Right.OWNER,
    Action.MOVE: Right.OWNER,
    Action.PRIORITY: Right.PRIORITY,
    Action.CLOSE: Right.CLOSE,
    Action.REOPEN: Right.CLOSE,
    Action.LANGUAGE: Right.REPLY,  # what the answers are written in
    Action.FORWARD: Right.REPLY,  # mail in the queue's name, to anyone
    Action.CLAIMS: Right.VERIFY,
    Action.VERIFY: Right.VERIFY,
    Action.RESTORE: Right.VERIFY,
    Action.REFUSE: Right.VERIFY,
    Action.FILE_TASK: Right.FILE_TASK,
    Action.MERGE: Right.CLOSE,  # it closes the ticket (and needs `note` on the other's queue)
}
RW_GIVES = frozenset(Right) - {Right.STEAL, Right.RW, Right.VERIFY, Right.FILE_TASK}


class DeskRight(StrEnum):
    """A right over a whole project's desk, given by a role."""

    REPORTS = "reports"  # the project's reports, every agent's row
    ANY_MACRO = "any_macro"  # run a macro whatever groups it names (its steps need rights)
    AGENTS = "agents"  # administer the project's agents; read its audit log
    QUARANTINE = "quarantine"  # the mail kept for review
    INCIDENTS = "incidents"  # make incidents, link tickets to them, answer and close them


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # A first-line group trusted with incidents (and nothing else over the desk).
    INCIDENTS = "incidents"


GRANTS: Mapping[Role, frozenset[DeskRight]] = {
    Role.SUPERVISOR: frozenset({DeskRight.REPORTS, DeskRight.ANY_MACRO, DeskRight.INCIDENTS}),
    Role.INCIDENTS: frozenset({DeskRight.INCIDENTS}),
    Role.ADMIN: frozenset({DeskRight.AGENTS, DeskRight.REPORTS, DeskRight.QUARANTINE}),
}
# A supervisor reads every queue (and may act in none but where his groups' rights say).
SUPERVISOR_READS = frozenset({Right.RO})


def granted_in(given: Mapping[str, Iterable[str]], queue: str) -> frozenset[Right]:
    """The rights an agent's carried table (queue -> right names) gives him in `queue`."""
    return frozenset(Right(name) for name in given.get(queue, ()))


def granted(roles: Iterable[Role]) -> frozenset[DeskRight]:
    """The desk rights a set of roles gives."""
    given: frozenset[DeskRight] = frozenset()
    for role in roles:
        given |= GRANTS[role]
    return given


class RightsError(ValueError):
    """A right that does not exist (in a desk config)."""


def expand(rights: Iterable[str]) -> frozenset[Right]:
    """The rights a list grants: `rw` spelled out, `ro` with every right but `move_into`."""
    given: set[Right] = set()
    for name in rights:
        try:
            right = Right(name)
        except ValueError:
            known = ", ".join(r.value for r in Right)
            raise RightsError(f"unknown right {name!r}; known: {known}") from None
        given |= RW_GIVES if right is Right.RW else {right}
    if given - {Right.MOVE_INTO}:
        given.add(Right.RO)
    return frozenset(given)


# Why a right refuses an action, by code (a Reason's message).
DENIALS = {
    "no-agent-action": "%(action)s is no agent action",
    "right-missing": "%(action)s needs the %(right)s right in this queue",
    "move-into-missing": "no move_into right for queue '%(queue)s'",
}


def denial(
    action: Action,
    here: frozenset[Right],
    target: frozenset[Right] | None = None,
    target_name: str = "",
) -> Reason | None:
    """Why `action` is refused with rights `here` on the ticket's queue (and `target` on a
    move's target queue), or None when it is allowed. Assumes the ticket may be seen."""
    needed = NEEDED.get(action)
    if needed is None:
        return Reason("no-agent-action", DENIALS["no-agent-action"], {"action": action.value})
    if needed not in here:
        params = {"action": action.value, "right": needed.value}
        return Reason("right-missing", DENIALS["right-missing"], params)
    if action is Action.MOVE and Right.MOVE_INTO not in (target or frozenset()):
        return Reason("move-into-missing", DENIALS["move-into-missing"], {"queue": target_name})
    return None


def refusal(
    action: Action,
    here: frozenset[Right],
    target: frozenset[Right] | None = None,
    target_name: str = "",
) -> str | None:
    """`denial`'s reason as text, or None when the action is allowed."""
    found = denial(action, here, target, target_name)
    return None if found is None else str(found)
