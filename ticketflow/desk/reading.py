"""What a reader process does with one inbound message: read it within the limits and
run the desk's routing rules over it. Module-level and picklable in, plain data out:
the parsed message itself (the `email` object tree) stays in the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ticketflow.desk.projects import ProjectRules, project_of
from ticketflow.desk.rules import Classification, classify
from ticketflow.mail.bounded import MailLimits, content_digest, read_bounded
from ticketflow.mail.parse import ParsedMail


@dataclass(frozen=True)
class Reading:
    mail: ParsedMail
    found: Classification
    # ticketflow.mail.bounded.content_digest: how a copy delivered twice is known.
    digest: str
    # The project whose mailbox the message was sent to (whose rules `found` it).
    project: str


def read_and_classify(
    raw: bytes,
    limits: MailLimits,
    projects: Sequence[ProjectRules],
    envelope_to: Sequence[str],
) -> Reading:
    """Raises MailRefused (not mail) or MailUnreadable (past a limit) with the reason.
    Only the rules of the message's project run (the first project's where no mailbox
    of any is named)."""
    mail = read_bounded(raw, limits)
    project = project_of(projects, envelope_to, [mail.to_header, mail.cc_header])
    found = classify(project.rules, mail, envelope_to, project.trusted_headers)
    return Reading(replace(mail, message=None), found, content_digest(raw, mail), project.project)
