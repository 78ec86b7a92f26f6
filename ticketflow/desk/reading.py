"""What a reader process does with one inbound message: read it within the limits and
run the desk's routing rules over it. Module-level and picklable in, plain data out:
the parsed message itself (the `email` object tree) stays in the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ticketflow.desk.projects import ProjectRules, project_of
from ticketflow.desk.rules import Classification, Hint, classify
from ticketflow.mail.attachments import MailAttachment
from ticketflow.mail.bounded import MailLimits, content_digest, read_bounded
from ticketflow.mail.forwards import Forward, read_forward
from ticketflow.mail.parse import ParsedMail

# The hint on a colleague's mail that could not be read as a forward, and why.
FORWARD_UNREAD = "forward-unread"
FORWARD_CHECK = "a colleague's mail read as a forward"
NO_AUTO_REPLY_TO_FORWARDS = (
    "forwarded by a colleague; the desk sends no automatic reply to forwards"
)


@dataclass(frozen=True)
class StaffForward:
    """A colleague's forward read: `Reading.mail` is then the customer's message in it."""

    forwarder: str  # the colleague's address
    note: str  # what he wrote above the forwarded message
    written_at: datetime | None  # when the customer wrote it, when the forward says
    # The forward's own Message-ID: how a second delivery of it is known.
    message_id: str | None
    # Files the colleague added beside an attached original.
    attachments: list[MailAttachment] = field(default_factory=list)


@dataclass(frozen=True)
class Reading:
    mail: ParsedMail
    found: Classification
    # ticketflow.mail.bounded.content_digest: how a copy delivered twice is known.
    digest: str
    # The project whose mailbox the message was sent to (whose rules `found` it).
    project: str
    forward: StaffForward | None = None


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
    colleague = project.staff.colleague(mail) if project.staff else None
    read = read_forward(mail) if colleague else None
    if not isinstance(read, Forward):
        found = classify(project.rules, mail, envelope_to, project.trusted_headers)
        if read is not None:  # a colleague's mail that is no forward we can read: his ticket
            found.hints.append(Hint(FORWARD_UNREAD, FORWARD_CHECK, "body", read.reason))
        digest = content_digest(raw, mail)
        return Reading(replace(mail, message=None), found, digest, project.project)
    assert colleague is not None and project.staff is not None
    original = read.original
    # The rules read the customer's words, sent to the mailbox the forward came to.
    seen = replace(
        original,
        to_header=mail.to_header,
        cc_header=mail.cc_header,
        message=mail.message,
        charset_hints=mail.charset_hints,
    )
    found = classify(project.rules, seen, envelope_to, project.trusted_headers)
    if not project.staff.auto_reply:
        found.no_auto_reply = found.no_auto_reply or NO_AUTO_REPLY_TO_FORWARDS
    attached = original.message is not None
    forward = StaffForward(
        forwarder=colleague,
        note=read.note,
        written_at=read.written_at,
        message_id=mail.message_id,
        # An attached original has its own files; the colleague's others are his note's.
        attachments=[a for a in mail.attachments if a.content_type != "message/rfc822"]
        if attached
        else [],
    )
    digest = content_digest(raw, mail)
    return Reading(replace(original, message=None), found, digest, project.project, forward)
