"""Colleagues who forward customers' mail to support: who counts as one. Pure.

A colleague's forward becomes the customer's ticket (ticketflow.mail.forwards), so a
stranger who could pass for a colleague could open tickets in anyone's name and have
our automatic reply sent there. Where the desk names its mail server's authserv-id,
a sender counts as staff only when that server's Authentication-Results say his
domain's mail authenticated; without it, From decides (documented in docs/domain.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.mail.authres import passed_for
from ticketflow.mail.parse import ParsedMail

AUTHENTICATION_RESULTS = "Authentication-Results"


@dataclass(frozen=True)
class StaffSenders:
    # Domains (`staff.example`) and addresses (`boss@example.org`), lower-case.
    senders: frozenset[str]
    authserv_id: str | None = None
    auto_reply: bool = True  # the customer gets the automatic reply to a forward

    def colleague(self, mail: ParsedMail) -> str | None:
        """The sender's address when he is one of the staff (and, where the desk asks,
        his mail authenticated); else None."""
        address = mail.from_addr.lower()
        domain = address.rpartition("@")[2]
        if not domain or (address not in self.senders and domain not in self.senders):
            return None
        if self.authserv_id is not None:
            results = mail.header_values(AUTHENTICATION_RESULTS)
            if not passed_for(results, self.authserv_id, domain):
                return None
        return address
