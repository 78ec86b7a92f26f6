"""Undo: an agent's action (or macro) taken back within the desk's window. Pure.

Every action takes effect at once; what it sends to the customer waits in the ticket's
workflow for the window (a durable timer) before it goes out. Until then its agent may put
the ticket back as it was: state, queue, owner, priority and every timer, with the notes
and mails it made withdrawn. Only while nothing else has changed the ticket since (a
customer's reopen or another agent's action is never thrown away) and only while none of
its mail has started going out.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import InvalidTransition
from ticketflow.tickets.reasons import Reason
from ticketflow.tickets.timers import TicketTimers

UNDO = "undo"  # the history entry of an undo
REFUSALS = {
    "undo-unknown": "nothing to undo with id %(action_id)s",
    "undo-not-yours": "only %(agent)s may undo this",
    "undo-late": "too late to undo: the %(seconds)s seconds are over",
    "undo-changed": "the ticket has changed since; it is not undone",
    "undo-sent": "its mail has already gone out",
}
# The undo entry's detail: what was undone and the seqs of its entries ("move #12-12").
DETAIL = re.compile(r"#(\d+)-(\d+)$")


def refused(code: str, **params: object) -> InvalidTransition:
    return InvalidTransition(Reason(code, REFUSALS[code], params))


@dataclass(frozen=True)
class Before:
    """What an undo puts back: the ticket and its timers before the action."""

    ticket: lifecycle.Ticket
    timers: TicketTimers
    pending_since: datetime
    closed_at: datetime | None


@dataclass
class Undoable:
    """An action its agent may still take back."""

    action_id: int  # the seq of its first history entry
    name: str  # the action's or macro's name
    agent: str
    until: datetime
    before: Before
    after: lifecycle.Ticket  # the ticket as the action left it
    last_seq: int = 0  # its last history entry
    articles: list[int] = field(default_factory=list)  # notes and mails it made
    mails: list[int] = field(default_factory=list)  # those of them held for sending

    def detail(self) -> str:
        return f"{self.name} #{self.action_id}-{self.last_seq}"


def snapshot(
    ticket: lifecycle.Ticket,
    timers: TicketTimers,
    pending_since: datetime,
    closed_at: datetime | None,
) -> Before:
    # A deep copy: the timers object is changed in place by the actions that follow.
    return Before(ticket, copy.deepcopy(timers), pending_since, closed_at)


def check(
    offer: Undoable | None,
    action_id: int,
    agent: str,
    ticket: lifecycle.Ticket,
    now: datetime,
    window: timedelta,
    held: Iterable[int],
) -> Undoable:
    """The undoable action `action_id` if `agent` may undo it now; InvalidTransition
    saying why not otherwise. `held` are the mails not yet started."""
    if offer is None:
        raise refused("undo-unknown", action_id=action_id)
    if offer.agent != agent:
        raise refused("undo-not-yours", agent=offer.agent)
    if now >= offer.until:
        raise refused("undo-late", seconds=int(window.total_seconds()))
    if ticket != offer.after:
        raise refused("undo-changed")
    waiting = set(held)
    if any(mail not in waiting for mail in offer.mails):
        raise refused("undo-sent")
    return offer


def undone_seqs(entries: Iterable[tuple[int, str, str | None]]) -> set[int]:
    """The seqs of a history's entries that an undo took back, its own included, from
    (seq, action, detail) rows: the figures count none of them."""
    gone: set[int] = set()
    for seq, action, detail in entries:
        if action != UNDO:
            continue
        found = DETAIL.search(detail or "")
        if found is not None:
            gone.update(range(int(found[1]), int(found[2]) + 1))
        gone.add(seq)
    return gone
