"""Per-(project, queue, state) ticket counters, kept in the same transaction as the change."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from ticketflow.store.db import upsert
from ticketflow.store.models import QueueCount


def bump(session: Session, project: str, queue: str, state: str, delta: int) -> None:
    table = cast(Table, QueueCount.__table__)
    values = {"project": project, "queue": queue, "state": state, "count": delta}
    keys, increment = ["project", "queue", "state"], {"count": table.c.count + delta}
    upsert(session, table, values, keys, increment)


def move(session: Session, old: tuple[str, str, str], new: tuple[str, str, str]) -> None:
    """A ticket left (project, queue, state) `old` for `new`."""
    if old != new:
        bump(session, *old, -1)
        bump(session, *new, +1)
