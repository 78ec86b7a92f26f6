"""Ticket numbers and the subject tag that carries them in mail."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_TAG_FORMAT = "[Ticket#{number}]"
# Reply and forward prefixes as mail programs write them in the languages our customers
# use: Re, RE[2], Re^2, Fwd, Fw, AW, WG, Antw, SV, VS, Odp, RV, TR, Отв, Ответ, Пересл,
# Ynt (Yanıt), İlt (İlet), Ilt, each followed by a colon.
REPLY_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|antw|sv|vs|odp|rv|tr|отв|ответ|пересл|ynt|yanıt|[iİ]lt|[iİ]let)"
    r"(?:\[\d+\]|\^\d+)?\s*:\s*)+",
    re.IGNORECASE,
)


def ticket_number(created: datetime, system_id: str, ticket_id: int) -> str:
    """Date, system id, then the row id, as OTRS numbers them.

    Unique within an installation because date and system id have a fixed width.
    """
    return f"{created:%Y%m%d}{system_id}{ticket_id:06d}"


def strip_reply_prefixes(subject: str) -> str:
    return REPLY_PREFIX_RE.sub("", subject).strip()


@dataclass(frozen=True)
class SubjectTag:
    """The tag that carries a ticket number in subjects, e.g. `[Ticket#<number>]`.

    Found anywhere in a subject (behind any prefixes), case-insensitively.
    """

    format: str = DEFAULT_TAG_FORMAT
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.format.count("{number}") != 1:
            raise ValueError(f"subject tag {self.format!r} must contain {{number}} once")
        before, after = self.format.split("{number}")
        pattern = re.escape(before) + r"(\d{10,30})" + re.escape(after)
        object.__setattr__(self, "_pattern", re.compile(pattern, re.IGNORECASE))

    def tag(self, number: str) -> str:
        return self.format.replace("{number}", number)

    def number_in(self, subject: str) -> str | None:
        match = self._pattern.search(subject)
        return match.group(1) if match else None

    def tagged(self, subject: str, number: str, prefix: str = "Re") -> str:
        """`Re: <tag> <subject>`: one reply prefix (or `Fwd` for a forward), our tag
        once, the customer's words."""
        base = strip_reply_prefixes(subject)
        if self.number_in(base) != number:
            base = f"{self.tag(number)} {base}".strip()
        return f"{prefix}: {base}"


WORKFLOW_PREFIX = "ticket-"


def workflow_id(number: str) -> str:
    return f"{WORKFLOW_PREFIX}{number}"


def number_of_workflow(workflow_id: str) -> str:
    """The ticket number a ticket workflow's id carries."""
    return workflow_id.removeprefix(WORKFLOW_PREFIX)


DEFAULT_TAG = SubjectTag()
