"""Where a new ticket goes, and whether it gets an automatic reply: a pure decision over
the parsed first message and the desk.

Intake calls it with the message it has just parsed, so a new ticket's workflow
starts with its route and needs no classification activity (bench/RESULTS.md: one
activation and one local activity fewer per ticket). The `route` activity calls
the same function for a run that starts without intake's decision.
"""

from __future__ import annotations

from ticketflow.desk.config import DeskConfig
from ticketflow.desk.rules import Classification, classify
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.loops import auto_reply_refusal
from ticketflow.mail.parse import ParsedMail
from ticketflow.payloads import Route


def route_new_ticket(
    desk: DeskConfig, mail: ParsedMail, own: MailIdentity, found: Classification | None = None
) -> Route:
    """The queue and priority a new ticket starts with (the desk's rules, else the default
    queue), whether a rule closes it as spam, and why it must get no automatic reply."""
    if found is None:
        found = classify(desk.routing_rules(), mail, (), desk.trusted_recipient_headers)
    spam = f"spam ({found.spam})" if found.spam else None
    return Route(
        queue=found.queue or desk.default_queue.name,
        no_auto_reply=auto_reply_refusal(mail, own) or spam or found.no_auto_reply,
        priority=found.priority,
        close_reason="spam" if found.spam else None,
    )
