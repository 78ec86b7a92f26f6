"""An incident's course, as pure rules: its states, the orders agents give it, and what
each order may follow.

An incident is open while agents link tickets to it. Its **answer to all** goes to every
linked ticket, and to those linked later while it is open (answering, then answered once
none waits); its **final answer** closes (or moves) the linked tickets still open and
closes the incident (closing, then closed). Either mail may be paused and resumed. An
order that does not fit the state is refused with a reason, as a ticket's action is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ticketflow.tickets.lifecycle import InvalidTransition
from ticketflow.tickets.reasons import Reason


class IncidentState(StrEnum):
    OPEN = "open"  # tickets linked, nothing sent
    ANSWERING = "answering"  # the answer to all on its way
    PAUSED = "paused"  # either mail held by an agent
    ANSWERED = "answered"  # every linked ticket has it (new links get it as they come)
    CLOSING = "closing"  # the final answer on its way
    CLOSED = "closed"


class Phase(StrEnum):
    """Which of the incident's two mails a ticket is being sent."""

    ANSWER = "answer"
    FINAL = "final"


class Order(StrEnum):
    ANSWER = "answer"
    PAUSE = "pause"
    RESUME = "resume"
    CLOSE = "close"
    LINK = "link"


# What an order is refused with, by the state it met.
REFUSALS: dict[Order, dict[IncidentState, str]] = {
    Order.ANSWER: {
        IncidentState.ANSWERING: "incident-answered",
        IncidentState.PAUSED: "incident-answered",
        IncidentState.ANSWERED: "incident-answered",
        IncidentState.CLOSING: "incident-closed",
        IncidentState.CLOSED: "incident-closed",
    },
    Order.PAUSE: {
        IncidentState.OPEN: "incident-not-sending",
        IncidentState.PAUSED: "incident-paused",
        IncidentState.ANSWERED: "incident-not-sending",
        IncidentState.CLOSED: "incident-closed",
    },
    Order.RESUME: {
        IncidentState.OPEN: "incident-not-paused",
        IncidentState.ANSWERING: "incident-not-paused",
        IncidentState.ANSWERED: "incident-not-paused",
        IncidentState.CLOSING: "incident-not-paused",
        IncidentState.CLOSED: "incident-closed",
    },
    Order.CLOSE: {
        IncidentState.CLOSING: "incident-closed",
        IncidentState.CLOSED: "incident-closed",
    },
    Order.LINK: {
        IncidentState.CLOSING: "incident-closed",
        IncidentState.CLOSED: "incident-closed",
    },
}
MERGED = "incident-ticket-merged"  # a linked ticket merged into another: nothing sent there
MESSAGES = {
    MERGED: "merged into %(into)s: its mail goes there",
    "incident-answered": "incident %(incident)s has its answer already",
    "incident-closed": "incident %(incident)s is closed",
    "incident-not-sending": "incident %(incident)s is sending nothing to pause",
    "incident-paused": "incident %(incident)s is paused already",
    "incident-not-paused": "incident %(incident)s is not paused",
}


def refusal(order: Order, state: IncidentState, incident: int) -> Reason | None:
    """Why `order` may not be given to an incident in `state`, or None."""
    code = REFUSALS[order].get(state)
    if code is None:
        return None
    return Reason(code, MESSAGES[code], {"incident": incident})


# The states in which an incident takes new tickets (by hand or by its rule).
TAKES_LINKS = frozenset(s for s in IncidentState if s not in REFUSALS[Order.LINK])


@dataclass
class IncidentCourse:
    """Where an incident is: which mail it sends (None before its answer), whether an
    agent paused it, whether it is closed. Its state follows from these."""

    incident: int
    phase: Phase | None = None
    paused: bool = False
    waiting: bool = True  # tickets wait for the current phase's mail
    closed: bool = False
    links: int = 0  # link orders taken: a batch that began before one missed its tickets

    @property
    def state(self) -> IncidentState:
        if self.closed:
            return IncidentState.CLOSED
        if self.phase is None:
            return IncidentState.OPEN
        if self.paused:
            return IncidentState.PAUSED
        if self.phase is Phase.FINAL:
            return IncidentState.CLOSING
        return IncidentState.ANSWERING if self.waiting else IncidentState.ANSWERED

    def check(self, order: Order) -> None:
        """InvalidTransition with the reason, unless `order` fits the state."""
        found = refusal(order, self.state, self.incident)
        if found is not None:
            raise InvalidTransition(found)

    def give(self, order: Order) -> IncidentState:
        """Apply an order (checked first); the state after."""
        self.check(order)
        if order is Order.ANSWER:
            self.phase, self.waiting = Phase.ANSWER, True
        elif order is Order.CLOSE:
            self.phase, self.waiting, self.paused = Phase.FINAL, True, False
        elif order is Order.PAUSE:
            self.paused = True
        elif order is Order.RESUME:
            self.paused = False
        elif order is Order.LINK:
            self.links += 1
            self.waiting = self.phase is not None
        return self.state

    def sends(self) -> bool:
        """Whether a batch of mail is due now."""
        return self.phase is not None and self.waiting and not self.paused and not self.closed

    def batch_done(self, remaining: int, links_before: int) -> None:
        """A batch went out; `remaining` tickets still wait, and tickets linked since
        it began (`links_before` was the count then) may too. The final answer's last
        batch closes the incident."""
        self.waiting = remaining > 0 or self.links != links_before
        if self.phase is Phase.FINAL and not self.waiting:
            self.closed = True


def batch_plan(rate_per_minute: int, most: int = 50) -> tuple[int, float]:
    """How many tickets a batch sends, and every how many seconds, to keep to the desk's
    rate: batches of at most `most`, so that a pause holds within one batch."""
    size = max(1, min(most, rate_per_minute))
    return size, 60.0 * size / max(1, rate_per_minute)
