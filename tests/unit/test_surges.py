"""Early warning's arithmetic (ticketflow.tickets.surges): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketflow.tickets.surges import HINT, QUEUE, Surge, find_surges, windows


def test_three_times_the_usual_and_at_least_the_minimum_is_a_surge() -> None:
    past = [{(QUEUE, "Inbox"): 20, (HINT, "login"): 2}] * 27
    past.append({(QUEUE, "Inbox"): 47, (HINT, "login"): 2})  # usual: 21 in Inbox
    now = {(QUEUE, "Inbox"): 60, (HINT, "login"): 30, (HINT, "spam"): 4, (QUEUE, "Web"): 25}
    found = find_surges(now, past, factor=3.0, minimum=20)
    assert found == [
        Surge(HINT, "login", 30, 2.0),
        Surge(QUEUE, "Web", 25, 0.0),  # never seen before: a surge once past the minimum
    ]
    # Inbox: 60 against a usual 21 is not three times; spam: 4 is below the minimum.


def test_no_past_yet_means_the_minimum_alone_decides() -> None:
    assert find_surges({(QUEUE, "Inbox"): 19}, [], factor=3.0, minimum=20) == []
    assert find_surges({(QUEUE, "Inbox"): 20}, [], 3.0, 20) == [Surge(QUEUE, "Inbox", 20, 0.0)]


def test_the_windows_are_the_last_hour_and_the_same_hour_of_past_days() -> None:
    now = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)
    found = windows(now, days=2)
    assert found == [
        (now - timedelta(hours=1), now),
        (now - timedelta(days=1, hours=1), now - timedelta(days=1)),
        (now - timedelta(days=2, hours=1), now - timedelta(days=2)),
    ]
