"""Ticket numbers and the subject tag that carries them in mail."""

from __future__ import annotations

import re
from datetime import datetime

TAG_RE = re.compile(r"\[Ticket#(\d{10,30})\]", re.IGNORECASE)


def ticket_number(created: datetime, system_id: str, ticket_id: int) -> str:
    """Date, system id, then the row id, as OTRS numbers them.

    Unique within an installation because date and system id have a fixed width.
    """
    return f"{created:%Y%m%d}{system_id}{ticket_id:06d}"


def subject_tag(number: str) -> str:
    return f"[Ticket#{number}]"


def number_in_subject(subject: str) -> str | None:
    match = TAG_RE.search(subject)
    return match.group(1) if match else None


def tagged_subject(subject: str, number: str) -> str:
    """The subject with our tag, once, after a single reply prefix."""
    if number_in_subject(subject) == number:
        base = subject
    else:
        base = f"{subject_tag(number)} {subject}".strip()
    return base if base.lower().startswith("re:") else f"Re: {base}"


def workflow_id(number: str) -> str:
    return f"ticket-{number}"
