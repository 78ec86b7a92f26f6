"""Outbound mail bodies: a text and an HTML part, rendered from jinja2 templates.

Each kind of mail is a pair of templates in the templates directory, `<kind>.txt.j2` and
`<kind>.html.j2`: the automatic reply (`auto_reply`) and agents' mail (`agent_mail`, which
wraps what the agent wrote). Both see the ticket (`number`, `subject`, `queue`, `tag`),
the `signature`, and whatever the kind adds (`text` for agents' mail). The article keeps
both parts as they were sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from ticketflow.numbering import SubjectTag

AUTO_REPLY = "auto_reply"
AGENT_MAIL = "agent_mail"
WAITING_REMINDER = "waiting_reminder"
ESCALATION = "escalation"
DEFAULT_SIGNATURE = "Support team"


@dataclass(frozen=True)
class LetterTicket:
    """What a template may show of the ticket."""

    number: str
    subject: str
    queue: str
    tag: str  # the subject tag, as customers are asked to keep it: [Ticket#...]


@dataclass(frozen=True)
class LetterBody:
    text: str
    html: str


def letter_ticket(number: str, subject: str, queue: str, subject_tag: SubjectTag) -> LetterTicket:
    return LetterTicket(number, subject, queue, subject_tag.tag(number))


def render_letter(
    templates: Environment,
    kind: str,
    ticket: LetterTicket,
    signature: str = DEFAULT_SIGNATURE,
    **extra: Any,
) -> LetterBody:
    context = {"ticket": ticket, "signature": signature, **extra}
    text = templates.get_template(f"{kind}.txt.j2").render(context)
    html = templates.get_template(f"{kind}.html.j2").render(context)
    return LetterBody(text=text.strip("\n") + "\n", html=html)
