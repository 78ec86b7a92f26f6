"""Who our mail comes from, in one place: the installation's sender, each queue's own, the
right side of our Message-IDs, our X-Loop value and the tag that carries ticket numbers in
subjects. Every part that writes mail, and loop protection, reads this one object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ticketflow.tickets.numbering import DEFAULT_TAG, SubjectTag

# How our mail is signed where the desk says nothing, by language.
DEFAULT_SIGNATURES = {"en": "Support team", "ru": "Служба поддержки", "tr": "Destek ekibi"}


@dataclass(frozen=True)
class MailIdentity:
    from_addr: str  # TICKETFLOW_MAIL_FROM
    domain: str  # TICKETFLOW_MAIL_DOMAIN: our Message-IDs end in it
    subject_tag: SubjectTag = DEFAULT_TAG
    # (project, queue) -> the address its mail comes from (and replies go to);
    # (project, "") -> that of the project's queues without their own.
    senders: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (project, language) -> how our mail in that language is signed (the desk's
    # `signatures`); else the language's own default.
    signatures: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def signature(self, project: str, language: str | None) -> str:
        """How our mail to a customer of `project` in `language` is signed."""
        language = language if language in DEFAULT_SIGNATURES else "en"
        found = self.signatures.get((project, language))
        return found or DEFAULT_SIGNATURES[language]

    def sender(self, project: str, queue: str | None) -> str:
        """The address mail of a ticket in `queue` of `project` comes from."""
        found = self.senders.get((project, queue or "")) or self.senders.get((project, ""))
        return found or self.from_addr

    @property
    def loop_value(self) -> str:
        """Our X-Loop field's value: a message carrying it came from us."""
        return self.from_addr

    @property
    def addresses(self) -> frozenset[str]:
        """Every address we send from, lower-cased: mail from these is our own."""
        return frozenset(a.lower() for a in (self.from_addr, *self.senders.values()))
