"""A customer's request from the web form, made into a message and taken in by the same
intake as mail: stored first, the project's rules, the automatic reply with the number to
the address the customer gave."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr, formatdate, make_msgid

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.mail.providers import Upload, build_mail
from ticketflow.store.intake import IntakeResult

ADDRESS = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]{1,255}\.[^@\s<>,;\"]{2,63}$")
FORM_SOURCE = "form"


class FormRefused(ValueError):
    """What the customer must set right, in words for the form."""


@dataclass(frozen=True)
class WebRequest:
    project: str
    name: str
    address: str
    subject: str
    text: str
    topic: str = ""
    attachments: tuple[Upload, ...] = ()


def check_request(request: WebRequest) -> None:
    if not ADDRESS.match(request.address.strip()):
        raise FormRefused("give the address we can answer you at")
    if not request.text.strip():
        raise FormRefused("tell us what happened")
    if len(request.subject) > 300 or len(request.name) > 200 or len(request.text) > 100_000:
        raise FormRefused("shorten the subject, name or text")


def form_message(components: Components, request: WebRequest) -> tuple[bytes, list[str]]:
    """The request as an RFC 822 message to the project's mailbox, and that mailbox as its
    envelope recipient (which makes it the project's)."""
    project = components.projects.get(request.project) or components.projects.first
    mailbox = min(project.mailboxes) if project.mailboxes else components.settings.mail_from
    default = project.desk.default_queue.address
    if default and default.lower() in project.mailboxes:
        mailbox = default
    sender = formataddr((" ".join(request.name.split()), request.address.strip()))
    subject = " ".join(request.subject.split()) or (request.topic or "Web form")
    headers = [
        ("From", sender),
        ("To", mailbox),
        ("Subject", subject),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", make_msgid(domain=components.settings.mail_domain)),
        ("X-Ticketflow-Form-Topic", request.topic[:200]),
    ]
    raw = build_mail(headers, request.text, "", list(request.attachments))
    return raw, [mailbox]


async def accept_web_request(
    components: Components, client: Client, request: WebRequest
) -> IntakeResult:
    """Raises FormRefused for what the customer must set right; otherwise as accept_mail
    (MailRefused, TemporalUnavailable)."""
    check_request(request)
    raw, envelope = form_message(components, request)
    return await accept_mail(components, client, raw, envelope, FORM_SOURCE)
