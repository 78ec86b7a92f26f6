"""What a reader process does with one inbound message: read it within the limits and
run the desk's routing rules over it. Module-level and picklable in, plain data out:
the parsed message itself (the `email` object tree) stays in the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ticketflow.desk.rules import Classification, Rule, classify
from ticketflow.mail.bounded import MailLimits, content_digest, read_bounded
from ticketflow.mail.parse import ParsedMail


@dataclass(frozen=True)
class Reading:
    mail: ParsedMail
    found: Classification
    # ticketflow.mail.bounded.content_digest: how a copy delivered twice is known.
    digest: str


def read_and_classify(
    raw: bytes,
    limits: MailLimits,
    rules: Sequence[Rule],
    envelope_to: Sequence[str],
    trusted_headers: Sequence[str],
) -> Reading:
    """Raises MailRefused (not mail) or MailUnreadable (past a limit) with the reason."""
    mail = read_bounded(raw, limits)
    found = classify(rules, mail, envelope_to, trusted_headers)
    return Reading(replace(mail, message=None), found, content_digest(raw, mail))
