"""Outbound mail bodies: a text and an HTML part, rendered from jinja2 templates.

Each kind of mail is a pair of templates in the templates directory, `<kind>.txt.j2` and
`<kind>.html.j2` (English), with `<kind>.<language>.txt.j2` and `.html.j2` for each other
language it is written in (ru, tr): the automatic reply (`auto_reply`), the waiting
reminder, supervisors' escalation notices and agents' mail (`agent_mail`, which wraps what
the agent wrote). Both see the ticket (`number`, `subject`, `queue`, `tag`),
the `signature`, and whatever the kind adds (`text` for agents' mail). The article keeps
both parts as they were sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from ticketflow.mail.identity import DEFAULT_SIGNATURES
from ticketflow.tickets.numbering import SubjectTag

AUTO_REPLY = "auto_reply"
AGENT_MAIL = "agent_mail"
WAITING_REMINDER = "waiting_reminder"
ESCALATION = "escalation"
DEFAULT_SIGNATURE = DEFAULT_SIGNATURES["en"]
BLANK_LINES = re.compile(r"\n\s*\n")


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
    language: str = "en",
    **extra: Any,
) -> LetterBody:
    """The letter in `language`: `<kind>.<language>.txt.j2` where there is one, else the
    English `<kind>.txt.j2` (and the same for its HTML part)."""
    context = {"ticket": ticket, "signature": signature, "language": language, **extra}
    text = _in_language(templates, kind, language, "txt").render(context)
    html = _in_language(templates, kind, language, "html").render(context)
    return LetterBody(text=text.strip("\n") + "\n", html=html)


def _in_language(templates: Environment, kind: str, language: str, part: str) -> Template:
    return templates.select_template([f"{kind}.{language}.{part}.j2", f"{kind}.{part}.j2"])


def make_environment(templates_dir: Path) -> Environment:
    # HTML templates are escaped; a missing variable is an error, never an empty string.
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "htm", "xml", "html.j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["paragraphs"] = paragraphs
    return env


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: blank lines part them, a line break stays one."""
    blocks = BLANK_LINES.split(text.replace("\r\n", "\n").strip())
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in b.split("\n")))
        for b in blocks
        if b.strip()
    )
