"""Tokens of signed provider requests (Mailgun's), each accepted once: a captured request
replayed within its validity window, with this or another body, is refused. The token is
claimed in the transaction that keeps the message (ticketflow.store.inbox): of requests
sent at once with one token, one is kept and the others refused, and a request that keeps
nothing (the database gone) claims nothing, so the provider's retry still gets through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketflow.store.models import WebhookToken


@dataclass(frozen=True)
class Claim:
    """A signed request's token, and how long a token stays claimed (its validity)."""

    provider: str
    token: str
    keep: timedelta


class TokenUsed(Exception):
    """The signed request was already delivered (this token is claimed)."""


def claim_token(session: Session, claim: Claim, now: datetime) -> None:
    """Claim the token in `session`'s transaction (and forget those past their keep);
    TokenUsed when another request holds it (the transaction is then to be rolled back)."""
    session.execute(
        delete(WebhookToken).where(
            WebhookToken.provider == claim.provider, WebhookToken.seen_at < now - claim.keep
        )
    )
    session.add(WebhookToken(provider=claim.provider, token=claim.token, seen_at=now))
    try:
        session.flush()
    except IntegrityError:  # the transaction is lost with it: nothing of this request kept
        raise TokenUsed(claim.token) from None
