"""Agents' mail to customers: their own text or an answer template, in the customer's
language, quoting the customer's last message, as a text and an HTML part.

Answer templates are `templates/answers/<name>.<language>.txt.j2` (and optionally
`.html.j2`), with the ticket, the customer and the agent as variables; a language without
its own file falls back to English. The result is wrapped by `agent_mail` (signature,
quote), the same as a text the agent wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, UndefinedError
from markupsafe import Markup

from ticketflow.letters.rendering import (
    AGENT_MAIL,
    DEFAULT_SIGNATURE,
    LetterBody,
    LetterTicket,
    render_letter,
)
from ticketflow.tickets.language import DEFAULT_LANGUAGE, LANGUAGES

ANSWERS_DIR = "answers"
# The answers to a Passwords decision: never offered as an agent's answer, whose sending
# would tell a customer his access was restored when it was not.
DECISIONS_DIR = "decisions"
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
QUOTE_LINES = 200  # a long message is quoted in part


class AnswerError(ValueError):
    """A template that does not exist or does not render: the agent gets the reason."""


@dataclass(frozen=True)
class Written:
    """What the agent asked for: their own text, or a template by name."""

    text: str | None = None
    template: str | None = None
    # What a template is told besides the ticket and the customer ((name, value) pairs:
    # the channel a Passwords decision restores access by).
    values: tuple[tuple[str, str], ...] = ()
    folder: str = ANSWERS_DIR  # where the template is (DECISIONS_DIR for a decision's)


@dataclass(frozen=True)
class Person:
    name: str
    address: str


@dataclass(frozen=True)
class Quote:
    author: str
    date: datetime
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()[:QUOTE_LINES]


def customer_of(from_header: str, address: str) -> Person:
    """The customer as the last message named them (the name before the address)."""
    name = next((n for n, a in getaddresses([from_header]) if n), "")
    return Person(name=name, address=address)


def answer_templates(templates: Environment) -> dict[str, list[str]]:
    """Each answer template's name and the languages it has a text for."""
    found: dict[str, list[str]] = {}
    suffix = ".txt.j2"
    for path in templates.list_templates(extensions=["j2"]):
        folder, _, file = path.partition("/")
        if folder != ANSWERS_DIR or not file.endswith(suffix):
            continue
        name, _, language = file.removesuffix(suffix).rpartition(".")
        if TEMPLATE_NAME.match(name) and language in LANGUAGES:
            found.setdefault(name, []).append(language)
    return {name: sorted(found[name]) for name in sorted(found)}


def _unknown_template(templates: Environment, name: str) -> AnswerError:
    known = ", ".join(answer_templates(templates)) or "none"
    return AnswerError(f"no answer template {name!r}; known: {known}")


def answer_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def compose_agent_mail(
    templates: Environment,
    ticket: LetterTicket,
    written: Written,
    *,
    customer: Person,
    agent: str,
    language: str | None,
    quote: Quote | None,
    signature: str = DEFAULT_SIGNATURE,
) -> LetterBody:
    """The mail as the customer gets it. Raises AnswerError for a bad template."""
    language = answer_language(language)
    context = {
        "ticket": ticket,
        "customer": customer,
        "agent": Person(agent, ""),
        "language": language,
        **dict(written.values),
    }
    html_body: Markup | None = None
    if written.template is not None:
        text = _render(templates, written, language, "txt", context) or ""
        html = _render(templates, written, language, "html", context, required=False)
        html_body = Markup(html) if html is not None else None
    else:
        text = written.text or ""
    return render_letter(
        templates,
        AGENT_MAIL,
        ticket,
        text=text.strip("\n"),
        html_body=html_body,
        quote=quote,
        language=language,
        signature=signature,
    )


def _render(
    templates: Environment,
    written: Written,
    language: str,
    kind: str,
    context: dict[str, object],
    required: bool = True,
) -> str | None:
    name = written.template or ""
    if not TEMPLATE_NAME.match(name):
        raise _unknown_template(templates, name)
    for lang in dict.fromkeys((language, DEFAULT_LANGUAGE)):
        try:
            template = templates.get_template(f"{written.folder}/{name}.{lang}.{kind}.j2")
        except TemplateNotFound:
            continue
        except TemplateSyntaxError as exc:
            raise AnswerError(f"answer template {name!r} is broken: {exc.message}") from exc
        try:
            return template.render(context)
        except UndefinedError as exc:
            raise AnswerError(f"answer template {name!r}: {exc.message}") from exc
    if required:
        raise _unknown_template(templates, name)
    return None
