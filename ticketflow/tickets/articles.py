"""The vocabulary of articles (a ticket's messages, notes and mails): where one goes and
what has become of it. The read model stores these strings; the API lists them."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    IN = "in"  # from the customer (or a bounce)
    OUT = "out"  # our mail to the customer
    NOTE = "note"  # an agent's internal note


class ArticleStatus(StrEnum):
    RECEIVED = "received"  # inbound, stored; its workflow not yet told
    # A new ticket's first message, taken in and routed by intake in its own transaction;
    # the ticket's workflow not yet confirmed started (then: processed).
    ROUTED = "routed"
    PROCESSED = "processed"  # inbound, taken in by its ticket's workflow
    DRAFT = "draft"  # an agent's text stored before the workflow accepted it
    SAVED = "saved"  # a note the workflow accepted
    QUEUED = "queued"  # mail the workflow accepted, not yet handed to the server
    SENDING = "sending"  # handed over; the server's answer not yet known
    SENT = "sent"
    FAILED = "failed"  # refused for good by the mail server
    UNCONFIRMED = "unconfirmed"  # handed over, never confirmed: not sent again
    WITHDRAWN = "withdrawn"  # a note or mail its agent undid: never sent


# An outbound article in one of these is done with: never sent again.
FINAL_STATUSES = frozenset(
    {
        ArticleStatus.SENT,
        ArticleStatus.FAILED,
        ArticleStatus.UNCONFIRMED,
        ArticleStatus.WITHDRAWN,
    }
)
# What an article becomes once its ticket's workflow has taken it in.
ACCEPTED_STATUS = {
    Direction.IN: ArticleStatus.PROCESSED,
    Direction.OUT: ArticleStatus.QUEUED,
    Direction.NOTE: ArticleStatus.SAVED,
}
