"""The service's typed refusals: what a face shows when an operation is refused.

Each has a stable machine code (for programs and tests) and a human reason: an English
message with named parameters (every message is in `MESSAGES`, or comes from the domain's
own tables, so the console's catalogue translates it) and the parameters. The kind says
what the refusal is, never how it is shown: the API maps kinds to HTTP statuses
(ticketflow.api.errors), the console to its pages.
"""

from __future__ import annotations

from collections.abc import Mapping

from ticketflow.tickets import incidents
from ticketflow.tickets.reasons import Reason

# Every message the service itself refuses with, by code.
MESSAGES: Mapping[str, str] = {
    # Not found, or not the actor's to see: the same words either way.
    "ticket-unknown": "no ticket %(number)s",
    "queue-unknown": "no queue %(queue)s",
    "project-unknown": "no project %(project)s",
    "attachment-unknown": "no attachment %(id)s",
    "attachment-not-stored": (
        "attachment larger than the storage limit: it is only in the raw message"
    ),
    "macro-unknown": "no macro '%(name)s' for you",
    "action-unknown": "unknown action '%(action)s'; known: %(known)s",
    "help-unknown": "no help for %(project)s",
    "topic-unknown": "no such topic",
    "kept-unknown": "no such message kept for review",
    "upload-unknown": "no file %(id)s uploaded by you to this ticket",
    "article-unknown": "no mail %(id)s on this ticket to forward",
    "agent-unknown": "%(reason)s",
    # A right the actor lacks.
    "reports-role": "reports of %(project)s are for its supervisors and admins",
    "admin-role": "only a project's admins may do this (such as %(example)s)",
    "macro-step-right": "step %(step)s: %(reason)s",
    "form-expired": "this form has expired: open the page again",
    "agent-outside": "%(reason)s",
    # The request itself.
    "cursor-invalid": "%(reason)s",
    "template-invalid": "%(reason)s",
    "form-invalid": "%(reason)s",
    "period-invalid": "%(reason)s",
    "language-unknown": "no language '%(language)s'",
    "agent-invalid": "%(reason)s",
    "agent-exists": "%(reason)s",
    "agent-last-admin": "%(reason)s",
    "form-type": "a form is expected",
    "form-encoding": "a form is UTF-8",
    "form-fields": "a form of too many fields",
    "form-too-large": "form too large",
    "message-too-large": "message larger than the limit of %(limit)s bytes",
    "mail-too-large": "the files of one mail come to more than %(limit)s bytes",
    "upload-too-large": "%(name)s is larger than the limit of %(limit)s bytes",
    "upload-none": "no file in the form: send each as a part named file",
    "upload-too-many": "at most %(limit)s files at once",
    "upload-infected": "the virus scanner refused %(name)s",
    "scanner-unavailable": "the virus scanner could not check the file; try again",
    "not-mail": "%(reason)s",
    "passwords-none": "project %(project)s has no Passwords tools (passwords: in its desk)",
    "claim-unknown": "no claim '%(name)s' is asked in this project; known: %(known)s",
    "claim-unreadable": "claim '%(name)s' cannot be read as a %(kind)s",
    "channel-unknown": "no channel '%(channel)s' to restore access by; known: %(known)s",
    "tracker-none": "project %(project)s has no task tracker (tracker: in its desk)",
    "link-self": "a ticket is not linked with itself",
    "merge-self": "a ticket is not merged into itself",
    "merge-project": "ticket %(into)s is of project %(project)s: merge within one project",
    "merge-merged": "ticket %(into)s was merged into %(final)s: merge into that one",
    "link-unknown": "ticket %(number)s is not linked with %(other)s",
    "incident-unknown": "no incident %(id)s",
    "incidents-role": "incidents of %(project)s are for its supervisors and the incidents role",
    "incident-rule": "the incident's rule: %(reason)s",
    "incident-replies": (
        "the incident's mail goes out with your rights, and you answer in no queue of %(project)s"
    ),
    "incident-project": "the ticket is of project %(project)s",
    "surge-unknown": "no early warning for %(name)s now",
    "incident-queue": "no queue %(queue)s to move the incident's tickets into",
    # What an incident refuses in its state (ticketflow.tickets.incidents).
    **incidents.MESSAGES,
    "tracker-unknown": "no tracker webhook for project %(project)s",
    "tracker-forged": "the webhook carries no signature or token of this desk's tracker",
    "tracker-body": "the webhook's body is no JSON the tracker sends",
    "since-zone": "since needs its zone",
    "too-many": "too many requests from your address; try again in an hour",
    "signed-replay": "this signed request was already delivered",
    # A part the desk needs is out of reach now.
    "engine-unavailable": "the ticket engine is unreachable; try again",
    "database-unavailable": "the ticket database is unreachable; try again later",
    "stored-not-told": "%(reason)s",
}
RETRY_AFTER_SECONDS = 30


class Refusal(Exception):
    """An operation refused: its code and its reason (a Reason, for translation)."""

    def __init__(self, why: Reason | str, /, **params: object) -> None:
        if isinstance(why, str):  # a code of MESSAGES
            why = Reason(why, MESSAGES[why], params)
        self.why = why
        super().__init__(str(why))

    @property
    def code(self) -> str:
        return self.why.code

    @property
    def reason(self) -> str:
        return str(self.why)


class NotFound(Refusal):
    """No such thing, or not the actor's to see (one boring answer that leaks nothing)."""


class Forbidden(Refusal):
    """The actor's rights or roles do not allow it."""


class Refused(Refusal):
    """The ticket (its workflow) refuses it in its present state, or it conflicts with
    what exists."""


class Invalid(Refusal):
    """What was asked is malformed or names what does not exist (a template, a queue)."""


class BadRequest(Refusal):
    """The request cannot be read at all (not a form, not mail, a cursor of nothing)."""


class TooLarge(Refusal):
    """The request is larger than the desk takes."""


class Unsupported(Refusal):
    """The request is of a type the desk does not take."""


class TooMany(Refusal):
    """The actor asked too often; he may ask again later."""


class TryLater(Refusal):
    """A part the desk needs (its database, Temporal) is out of reach; nothing was lost."""

    def __init__(
        self, why: Reason | str, /, after: int = RETRY_AFTER_SECONDS, **params: object
    ) -> None:
        super().__init__(why, **params)
        self.after = after
