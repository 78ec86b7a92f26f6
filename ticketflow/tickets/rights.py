"""What a group may do in a queue: rights as fine as OTRS's, as a pure table.

`ro` sees a ticket (its articles, history, attachments); `note`, `reply` (ask, answer),
`owner` (take, remind, release), `priority` and `close` (close, reopen) each allow their actions;
`move_into` lets the queue be a move's target (and nothing else: a first-line agent may
hand a ticket to Passwords and then no longer read it); `steal` takes a ticket another
agent owns; `rw` is all of them but `steal`. Every right but `move_into` includes `ro`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from ticketflow.tickets.lifecycle import Action


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
}
RW_GIVES = frozenset(Right) - {Right.STEAL, Right.RW}


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


def refusal(
    action: Action,
    here: frozenset[Right],
    target: frozenset[Right] | None = None,
    target_name: str = "",
) -> str | None:
    """Why `action` is refused with rights `here` on the ticket's queue (and `target` on a
    move's target queue), or None when it is allowed. Assumes the ticket may be seen."""
    needed = NEEDED.get(action)
    if needed is None:
        return f"{action.value} is no agent action"
    if needed not in here:
        return f"{action.value} needs the {needed.value} right in this queue"
    if action is Action.MOVE and Right.MOVE_INTO not in (target or frozenset()):
        return f"no move_into right for queue {target_name!r}"
    return None
