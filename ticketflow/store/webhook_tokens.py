"""Tokens of signed provider requests (Mailgun's), each accepted once: a captured request
replayed within its validity window, with this or another body, is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.models import WebhookToken


def token_used(sessions: sessionmaker[Session], provider: str, token: str) -> bool:
    with sessions() as session:
        found = select(WebhookToken.token).where(
            WebhookToken.provider == provider, WebhookToken.token == token
        )
        return session.scalar(found) is not None


def remember_token(
    sessions: sessionmaker[Session], provider: str, token: str, now: datetime, keep: timedelta
) -> bool:
    """Keep the token (and forget those past `keep`); False when it was already kept."""
    try:
        with sessions.begin() as session:
            session.execute(
                delete(WebhookToken).where(
                    WebhookToken.provider == provider, WebhookToken.seen_at < now - keep
                )
            )
            session.add(WebhookToken(provider=provider, token=token, seen_at=now))
    except IntegrityError:
        return False
    return True
