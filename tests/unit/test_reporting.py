"""The reports' definitions, event by event (ticketflow.tickets.reporting): no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketflow.tickets.calendars import CalendarSpec, calendar_for
from ticketflow.tickets.reporting import (
    DeskShape,
    ReportRow,
    TicketFigures,
    advance,
    percentile,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
LINES = {"Inbox": "first-line", "Passwords": "second-line", "Web": "second-line"}
LINES |= {"Accounts": "second-line"}
GROUPS = {"Inbox": "first-line", "Passwords": "passwords", "Web": "web", "Accounts": "passwords"}
NINE_TO_FIVE = CalendarSpec("UTC", {"tue": [[9 * 60, 17 * 60]], "wed": [[9 * 60, 17 * 60]]}, [])
DESK = DeskShape(LINES, GROUPS, calendar_for(NINE_TO_FIVE))


@dataclass
class E:
    seq: int
    minutes: float
    actor: str
    action: str
    from_state: str | None
    to_state: str
    from_queue: str | None
    to_queue: str
    detail: str | None = None

    @property
    def at(self) -> datetime:
        return T0 + timedelta(minutes=self.minutes)


def fold(*events: E) -> tuple[TicketFigures, list[ReportRow], list[tuple[int, dict[str, Any]]]]:
    figures = TicketFigures(created_at=T0)
    rows, marks = [], []
    for event in events:
        row, made = advance(figures, event, DESK)
        rows += [row] if row else []
        marks += [(m.seq, m.values) for m in made]
    return figures, rows, marks


ARRIVAL = (
    E(1, 0, "customer", "customer-message", "received", "received", None, "Inbox"),
    E(2, 0, "system", "route", "received", "first-line", None, "Inbox"),
)


def test_an_answer_at_once_is_a_first_contact_resolution_until_the_customer_reopens() -> None:
    figures, rows, marks = fold(
        *ARRIVAL, E(3, 30, "alice", "answer", "first-line", "closed", "Inbox", "Inbox")
    )
    assert figures.first_queue == "Inbox" and figures.first_line_wait_s == 1800
    assert (figures.first_response_s, figures.first_response_business_s) == (1800, 1800)
    assert figures.first_mail == "answer" and figures.first_contact and figures.within_day
    assert rows[-1].first_contact and rows[-1].closes and rows[-1].handling_s == 1800
    reopened_late = E(
        4, 8 * 24 * 60, "customer", "customer-message", "closed", "first-line", "Inbox", "Inbox"
    )
    later, _, late_marks = fold(
        *ARRIVAL,
        E(3, 30, "alice", "answer", "first-line", "closed", "Inbox", "Inbox"),
        reopened_late,
    )
    assert later.first_contact  # reopened after 8 days: still resolved at first contact
    assert late_marks == [(3, {"reopened_at": reopened_late.at})]
    reopened = E(4, 60, "customer", "customer-message", "closed", "first-line", "Inbox", "Inbox")
    figures, _, marks = fold(
        *ARRIVAL, E(3, 30, "alice", "answer", "first-line", "closed", "Inbox", "Inbox"), reopened
    )
    assert not figures.first_contact
    assert marks == [(3, {"reopened_at": reopened.at}), (3, {"first_contact": False})]


def test_an_agent_s_own_reopen_is_no_reopen_of_the_customer() -> None:
    _, _, marks = fold(
        *ARRIVAL,
        E(3, 30, "alice", "close", "first-line", "closed", "Inbox", "Inbox"),
        E(4, 40, "alice", "reopen", "closed", "first-line", "Inbox", "Inbox"),
    )
    assert marks == []


def test_first_line_wait_ends_with_a_question_and_business_time_skips_the_night() -> None:
    # Asked at 18:00, after the calendar's 17:00: eight working hours, nine wall-clock.
    figures, _, _ = fold(
        *ARRIVAL, E(3, 9 * 60, "alice", "ask", "first-line", "waiting", "Inbox", "Inbox")
    )
    assert figures.first_line_wait_s == 9 * 3600
    assert figures.first_response_business_s == 8 * 3600 and figures.first_mail == "ask"
    assert not figures.first_contact and not figures.second_line


def test_a_ticket_routed_to_the_second_line_has_no_first_line_wait() -> None:
    figures, _, _ = fold(
        E(1, 0, "system", "route", "received", "second-line", None, "Passwords"),
        E(2, 5, "bob", "answer", "second-line", "closed", "Passwords", "Passwords"),
    )
    assert figures.first_line_wait_s is None and figures.second_line


@pytest.mark.parametrize(
    ("out_to", "after_hours", "wrong"),
    [
        ("Web", 2, True),  # another second-line group
        ("Inbox", 2, True),  # back to the first line
        ("Accounts", 2, False),  # a queue of the same group
        ("Web", 25, False),  # too late to blame the first move
    ],
)
def test_wrong_routing_is_marked_on_the_first_move(
    out_to: str, after_hours: int, wrong: bool
) -> None:
    _, rows, marks = fold(
        *ARRIVAL,
        E(3, 10, "alice", "move", "first-line", "second-line", "Inbox", "Passwords"),
        E(
            4,
            10 + after_hours * 60,
            "bob",
            "move",
            "second-line",
            LINES[out_to],
            "Passwords",
            out_to,
        ),
    )
    assert marks == ([(3, {"wrong_routing": True})] if wrong else [])
    assert rows[-1].handling_s == after_hours * 3600  # since it came to Passwords


def test_a_system_s_escalation_move_is_no_verdict_on_the_routing() -> None:
    _, _, marks = fold(
        *ARRIVAL,
        E(3, 10, "alice", "move", "first-line", "second-line", "Inbox", "Passwords"),
        E(4, 20, "system", "move", "second-line", "second-line", "Passwords", "Web"),
    )
    assert marks == []


def test_breaches_are_remembered_per_clock_and_rows_kept_only_for_what_reports_count() -> None:
    figures, rows, _ = fold(
        *ARRIVAL,
        E(
            3,
            61,
            "system",
            "sla-breach",
            "first-line",
            "first-line",
            "Inbox",
            "Inbox",
            "first-response due 2026-12-01T10:00+00:00",
        ),
        E(
            4,
            62,
            "system",
            "sla-warning",
            "first-line",
            "first-line",
            "Inbox",
            "Inbox",
            "solution due x",
        ),
        E(5, 63, "system", "priority", "first-line", "first-line", "Inbox", "Inbox"),
        E(
            6,
            64,
            "system",
            "sla-breach",
            "first-line",
            "first-line",
            "Inbox",
            "Inbox",
            "first-response due later",
        ),
    )
    assert figures.breached() == {"first-response"}
    assert [r.action for r in rows] == ["customer-message", "route", "sla-breach", "sla-breach"]
    assert rows[2].clock == "first-response"


def test_percentiles_interpolate_as_postgresql_does() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5  # as percentile_cont
    assert percentile([0.0, 10.0], 0.9) == 9.0
