"""Per-(project, queue, state) ticket counters, kept in the same transaction as the change."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketflow.store.models import QueueCount


def bump(session: Session, project: str, queue: str, state: str, delta: int) -> None:
    table = cast(Table, QueueCount.__table__)
    dialect = session.get_bind().dialect.name
    values = {"project": project, "queue": queue, "state": state, "count": delta}
    keys, increment = ["project", "queue", "state"], {"count": table.c.count + delta}
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(**values)
        session.execute(pg.on_conflict_do_update(index_elements=keys, set_=increment))
    elif dialect == "sqlite":
        lite = sqlite.insert(table).values(**values)
        session.execute(lite.on_conflict_do_update(index_elements=keys, set_=increment))
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)


def move(session: Session, old: tuple[str, str, str], new: tuple[str, str, str]) -> None:
    """A ticket left (project, queue, state) `old` for `new`."""
    if old != new:
        bump(session, *old, -1)
        bump(session, *new, +1)
