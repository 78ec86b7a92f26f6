"""The customer form's limit per client address: each request sent is counted, and a client
past the limit for the hour is refused before anything is stored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.models import FormPost, utcnow

WINDOW = timedelta(hours=1)


def take_form_slot(
    sessions: sessionmaker[Session], client: str, limit: int, now: datetime | None = None
) -> bool:
    """Count a request from `client`; False (nothing counted) when it is past `limit`."""
    now = now or utcnow()
    with sessions.begin() as session:
        # Old counts go as new ones come: the table holds about an hour of posts.
        session.execute(delete(FormPost).where(FormPost.at < now - WINDOW * 24))
        if limit:
            sent = session.scalar(
                select(func.count()).where(FormPost.client == client, FormPost.at >= now - WINDOW)
            )
            if (sent or 0) >= limit:
                return False
        session.add(FormPost(client=client[:100], at=now))
        return True
