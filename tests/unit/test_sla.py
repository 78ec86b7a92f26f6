"""Escalation clocks: start, pause while waiting, stop, recompute on a move (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ticketflow.desk.config import DeskConfig
from ticketflow.tickets.calendars import WEEKDAYS, CalendarSpec, parse_hours
from ticketflow.tickets.sla import (
    BREACH,
    FIRST_RESPONSE,
    SOLUTION,
    UPDATE,
    WARNING,
    Clocks,
    Due,
    SlaPolicy,
    SlaTargets,
    agent_mailed,
    customer_wrote,
    due,
    escalation_at,
    next_timer,
    policy_from_json,
    policy_json,
    reconcile,
    upcoming,
)

MSK = ZoneInfo("Europe/Moscow")
DAY = CalendarSpec("Europe/Moscow", {d: parse_hours("09:00-21:00") for d in WEEKDAYS})
INBOX = SlaPolicy("first-line", DAY, SlaTargets(first_response=60, update=60, solution=120))
SECOND = SlaPolicy(
    "second-line",
    DAY,
    SlaTargets(first_response=240, update=240, solution=1440),
    by_priority={"5": SlaTargets(first_response=30)},
)
OPEN, WAITING, CLOSED = "first-line", "waiting", "closed"


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)  # the 27th is a Friday


def deadlines(clocks: Clocks) -> dict[str, datetime]:
    return {c.name: c.deadline for c in clocks.clocks if c.deadline is not None}


def test_friday_evening_ticket_is_due_saturday_morning_and_warned_before() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, INBOX, 3, msk(27, 20, 50))
    assert deadlines(clocks)[FIRST_RESPONSE] == msk(28, 9, 50)
    assert next_timer(clocks) == msk(28, 9, 38)  # 80% of the hour
    assert due(clocks, msk(28, 9, 37)) == []
    assert due(clocks, msk(28, 9, 38)) == [Due(FIRST_RESPONSE, WARNING, msk(28, 9, 50))]
    assert due(clocks, msk(28, 9, 50)) == [Due(FIRST_RESPONSE, BREACH, msk(28, 9, 50))]
    assert due(clocks, msk(28, 10, 0)) == []  # each once
    assert next_timer(clocks) == msk(28, 10, 26)  # the solution clock's warning (96 min)


def test_waiting_time_is_not_counted_and_a_reply_starts_the_update_clock() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 10))
    agent_mailed(clocks)  # asked at 10:30: the customer owes us an answer
    reconcile(clocks, WAITING, INBOX, 3, msk(23, 10, 30))
    assert deadlines(clocks) == {} and next_timer(clocks) is None
    customer_wrote(clocks)  # replied at 15:00: 90 solution minutes are left
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 15))
    assert deadlines(clocks) == {SOLUTION: msk(23, 16, 30), UPDATE: msk(23, 16)}
    assert escalation_at(clocks) == msk(23, 16)


def test_an_answer_that_closes_the_ticket_stops_every_clock() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 10))
    agent_mailed(clocks)
    reconcile(clocks, CLOSED, INBOX, 3, msk(23, 10, 20))
    assert next_timer(clocks) is None and escalation_at(clocks) is None
    customer_wrote(clocks)  # a reopen: the update clock starts afresh, solution resumes
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 12))
    assert deadlines(clocks) == {UPDATE: msk(23, 13), SOLUTION: msk(23, 13, 40)}


def test_a_move_recomputes_from_what_is_left_under_the_new_policy() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 10))
    reconcile(clocks, "second-line", SECOND, 3, msk(23, 10, 20))
    assert deadlines(clocks) == {FIRST_RESPONSE: msk(23, 14), SOLUTION: msk(25, 10)}
    reconcile(clocks, "second-line", SECOND, 5, msk(23, 10, 30))  # priority 5: 30 minutes
    assert deadlines(clocks)[FIRST_RESPONSE] == msk(23, 10, 30)
    assert [d.kind for d in due(clocks, msk(23, 10, 30))] == [BREACH]


def test_a_breach_keeps_its_deadline_and_a_queue_with_more_time_rearms_it() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 10))
    assert [d.kind for d in due(clocks, msk(23, 11, 5))] == [BREACH]
    reconcile(clocks, OPEN, INBOX, 3, msk(23, 11, 30))  # a note, say: nothing moves
    assert deadlines(clocks)[FIRST_RESPONSE] == msk(23, 11)
    reconcile(clocks, "second-line", SECOND, 3, msk(23, 11, 30))
    assert deadlines(clocks)[FIRST_RESPONSE] == msk(23, 14)
    assert due(clocks, msk(23, 13, 30)) == [Due(FIRST_RESPONSE, WARNING, msk(23, 14))]


def test_a_queue_without_sla_has_no_clocks() -> None:
    clocks = Clocks()
    reconcile(clocks, OPEN, None, 3, msk(23, 10))
    assert next_timer(clocks) is None and escalation_at(clocks) is None
    assert SECOND.budget(FIRST_RESPONSE, 5) == timedelta(minutes=30)
    assert SECOND.budget(SOLUTION, 5) == timedelta(minutes=1440)


def test_the_policy_travels_as_json_and_comes_back_whole() -> None:
    from ticketflow.desk.projects import load_projects
    from ticketflow.settings import PROJECT_ROOT
    from ticketflow.tickets.sla import policy_from_json, policy_json

    example = load_projects(PROJECT_ROOT / "ticketflow" / "desk" / "desk.example.yaml")
    policy = example.desk("mail").policy()
    assert policy is not None
    text = policy_json(policy)
    assert policy_from_json(text) == policy
    assert policy_from_json(text) is policy_from_json(text)  # parsed once per worker


def test_upcoming_names_what_the_next_timer_is_for() -> None:
    clocks = Clocks()
    assert upcoming(clocks) is None
    reconcile(clocks, OPEN, INBOX, 3, msk(27, 20, 50))
    assert upcoming(clocks) == (msk(28, 9, 38), Due(FIRST_RESPONSE, WARNING, msk(28, 9, 50)))
    due(clocks, msk(28, 9, 38))
    assert upcoming(clocks) == (msk(28, 9, 50), Due(FIRST_RESPONSE, BREACH, msk(28, 9, 50)))
    due(clocks, msk(28, 9, 50))
    when, what = upcoming(clocks) or (None, None)
    assert when == next_timer(clocks) and what is not None and what.clock == SOLUTION


def test_a_queue_chooses_its_sla_by_priority() -> None:
    desk = DeskConfig.model_validate(
        {
            "calendars": {"always": {"zone": "UTC", "hours": {"every-day": "00:00-24:00"}}},
            "slas": {
                "normal": {"calendar": "always", "first_response": 240},
                "urgent": {"calendar": "always", "first_response": 30},
            },
            "queues": [
                {"name": "Inbox", "line": "first-line", "group": "g", "default": True},
                {
                    "name": "Security",
                    "line": "second-line",
                    "group": "g",
                    "sla": "normal",
                    "slas_by_priority": {5: "urgent"},
                },
            ],
        }
    )
    policy = desk.policy()
    assert policy is not None
    chosen = {p: policy.sla_for("Security", p) for p in range(1, 6)}
    assert {p: s.name for p, s in chosen.items() if s} == {
        1: "normal",
        2: "normal",
        3: "normal",
        4: "normal",
        5: "urgent",
    }
    assert policy.sla_for("Inbox", 5) is None
    # As workflows carry it, and as older workflows carried it (without the choice).
    assert policy_from_json(policy_json(policy)).sla_for("Security", 5).name == "urgent"  # type: ignore[union-attr]
    older = policy_json(policy).replace(',"slas_by_priority":{"5":"urgent"}', "")
    assert policy_from_json(older).sla_for("Security", 5).name == "normal"  # type: ignore[union-attr]


def test_a_priority_s_sla_must_exist_and_the_priority_be_one_to_five() -> None:
    base = {
        "calendars": {"always": {"zone": "UTC", "hours": {"every-day": "00:00-24:00"}}},
        "slas": {"normal": {"calendar": "always", "first_response": 240}},
    }
    for by_priority, error in (
        ({5: "missing"}, "unknown SLA 'missing'"),
        ({9: "normal"}, "no priority 9"),
    ):
        queue = {"name": "Inbox", "line": "first-line", "group": "g", "default": True}
        with pytest.raises(ValueError, match=error):
            DeskConfig.model_validate(
                {**base, "queues": [{**queue, "slas_by_priority": by_priority}]}
            )
