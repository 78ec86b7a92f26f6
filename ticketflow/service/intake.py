"""Taking messages in, channel by channel: mail over HTTP or SMTP, and the customer form.
Every channel goes through the same intake (ticketflow.engine.inbound): stored first, the
project's rules, the automatic reply with the number. A form's request is made a message to
its project's mailbox first; a client who sends too many is told to wait."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr, formatdate, make_msgid

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.engine.tickets import TemporalUnavailable
from ticketflow.mail.parse import MailRefused
from ticketflow.mail.providers import Upload, build_mail
from ticketflow.service.refusals import BadRequest, Invalid, Refused, TooMany, TryLater
from ticketflow.service.shapes import InboundResult
from ticketflow.store.form_posts import take_form_slot
from ticketflow.store.intake import FORM_SOURCE
from ticketflow.store.webhook_tokens import Claim, TokenUsed

# An address as a customer types it: RFC 5322's dot-atom before the @ (letters of any
# script as RFC 6532 allows; no quoted or commented local part, no control character), and
# a domain of host names (letters of any script, digits, inner hyphens) ending in a name of
# two letters or more.
_ATEXT = r"[\w!#$%&'*+/=?^`{|}~-]"
_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_TOP = r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
ADDRESS = re.compile(rf"(?=.{{6,254}}$)(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)@(?:{_LABEL}\.)+{_TOP}")


async def take_in_mail(
    components: Components,
    client: Client,
    raw: bytes,
    envelope_to: Sequence[str] = (),
    source: str = "mail",
    claim: Claim | None = None,
) -> InboundResult:
    """A raw message from a channel: a new ticket or an article of one. BadRequest for
    bytes that are no message (nothing is kept); Refused for a signed request (its
    `claim`) already delivered; TryLater when it is stored but its ticket could not be
    told (a redelivery, or the worker's sweep, tells it)."""
    try:
        result = await accept_mail(components, client, raw, envelope_to, source, claim)
    except MailRefused as exc:
        raise BadRequest("not-mail", reason=exc.reason) from exc
    except TokenUsed as exc:
        raise Refused("signed-replay") from exc
    except TemporalUnavailable as exc:
        raise TryLater(
            "stored-not-told",
            reason="message stored but its ticket could not be updated; deliver it again later",
        ) from exc
    return InboundResult.of(result)


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
    language: str = ""  # of the page he wrote on: the ticket's, for our mail to him


def check_request(request: WebRequest) -> None:
    """Invalid, in words the form shows, for what the customer must set right."""
    try:
        _check(request)
    except FormRefused as exc:
        raise Invalid("form-invalid", reason=str(exc)) from None


def _check(request: WebRequest) -> None:
    found = ADDRESS.fullmatch(request.address.strip())
    if found is None or len(found["local"]) > 64:
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
    if request.language:
        headers.append(("Content-Language", request.language))
    raw = build_mail(headers, request.text, "", list(request.attachments))
    return raw, [mailbox]


async def take_in_form(
    components: Components, client: Client, request: WebRequest, peer: str
) -> InboundResult:
    """A customer's request from the form: checked first (a mistake to set right costs him
    none of his requests), then one of the client's hourly requests, then taken in as
    mail is. Invalid for what to set right, TooMany past the client's limit."""
    check_request(request)
    limit = components.settings.form_posts_per_client_per_hour
    if not await asyncio.to_thread(take_form_slot, components.sessions, peer, limit):
        raise TooMany("too-many")
    raw, envelope = form_message(components, request)
    try:
        return await take_in_mail(components, client, raw, envelope, FORM_SOURCE)
    except BadRequest as exc:  # what the form made is no message: the customer's words
        raise Invalid("form-invalid", reason=exc.reason) from exc
    except TryLater as exc:
        raise TryLater(
            "stored-not-told", reason="your request is stored; we will open its ticket shortly"
        ) from exc
