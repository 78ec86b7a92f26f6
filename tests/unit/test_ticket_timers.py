"""Waiting periods, reminders and the clocks' restart after a change (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow.tickets.lifecycle import Action, State, Ticket
from ticketflow.tickets.sla import DeskPolicy, QueuePolicy
from ticketflow.tickets.timers import TicketTimers, after_change, next_timer, waiting_times

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def facts() -> TicketTimers:
    """A ticket's timers, as its workflow carries them (TicketFacts.timers)."""
    return TicketTimers()


def test_asking_starts_the_waiting_period_and_a_reply_ends_it() -> None:
    f, policy = facts(), DeskPolicy()
    open_, waiting = Ticket(State.FIRST_LINE, "Inbox"), Ticket(State.WAITING, "Inbox")
    after_change(f, policy, open_, waiting, Action.ASK, NOW)
    assert waiting_times(f, policy.queue("Inbox")) == (None, NOW + 7 * DAY)
    reminding = QueuePolicy(close_waiting_after_minutes=4 * 24 * 60, remind_waiting=True)
    assert waiting_times(f, reminding) == (NOW + 2 * DAY, NOW + 4 * DAY)
    f.waiting_reminded = True
    assert next_timer(f, reminding) == NOW + 4 * DAY
    after_change(f, policy, waiting, open_, Action.CUSTOMER_MESSAGE, NOW + DAY)
    assert f.waiting_since is None and next_timer(f, reminding) is None


def test_a_desk_without_slas_keeps_no_clocks_and_closing_drops_a_reminder() -> None:
    f = facts()
    f.remind_at, f.remind_agent = NOW + DAY, "bob"
    assert next_timer(f, QueuePolicy()) == NOW + DAY
    closed = Ticket(State.CLOSED, "Inbox")
    after_change(f, DeskPolicy(), Ticket(State.FIRST_LINE, "Inbox"), closed, Action.CLOSE, NOW)
    assert f.clocks is None and f.remind_at is None and next_timer(f, QueuePolicy()) is None
    never = QueuePolicy(close_waiting_after_minutes=None)
    f.waiting_since = NOW
    assert waiting_times(f, never) == (None, None)
