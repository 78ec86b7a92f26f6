"""Per-(queue, state) ticket counters, kept in the same transaction as the change."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketflow.models import QueueCount


def bump(session: Session, queue: str, state: str, delta: int) -> None:
    table = QueueCount.__table__
    dialect = session.get_bind().dialect.name
    values = {"queue": queue, "state": state, "count": delta}
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["queue", "state"], set_={"count": table.c.count + delta}
        )
    )


def move(session: Session, old: tuple[str, str], new: tuple[str, str]) -> None:
    if old != new:
        bump(session, *old, -1)
        bump(session, *new, +1)
