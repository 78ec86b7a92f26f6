"""Open tickets by age, as the reports count them in SQL on both backends: each bucket
takes the ages from its lower limit up to (not including) its upper one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.stack import make_components
from ticketflow.store.models import Ticket
from ticketflow.store.reports import open_by_age

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_open_tickets_fall_into_their_age_buckets(tmp_path: Path, database_url: str) -> None:
    components = make_components(tmp_path, database_url)
    ages = {
        "<1h": [0, 3599],
        "1-4h": [3600, 4 * 3600 - 1],
        "4-24h": [4 * 3600, 86399],
        "1-3d": [86400, 3 * 86400 - 1],
        ">3d": [3 * 86400, 400 * 86400],
    }
    with components.sessions() as session, session.begin():
        every = [s for group in ages.values() for s in group]
        for n, seconds in enumerate(every):
            created = NOW - timedelta(seconds=seconds)
            for state in ("first-line", "closed"):  # a closed one counts nowhere
                session.add(
                    Ticket(
                        number=f"{state[0]}{n}", project="mail", state=state, queue="Inbox",
                        priority=3, created_at=created, pending_since=created, updated_at=created,
                    )
                )  # fmt: skip
    with components.sessions() as session:
        found = open_by_age(session, "mail", NOW)
    assert found["Inbox"]["ages"] == {name: 2 for name in ages}
    assert found["Inbox"]["oldest_at"] == NOW - timedelta(days=400)
    components.close()
