"""Search attributes that let supervisors list ticket workflows in the Temporal UI."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

TICKET_NUMBER = SearchAttributeKey.for_keyword("TicketNumber")
TICKET_STATE = SearchAttributeKey.for_keyword("TicketState")
TICKET_QUEUE = SearchAttributeKey.for_keyword("TicketQueue")
TICKET_PRIORITY = SearchAttributeKey.for_int("TicketPriority")
TICKET_OWNER = SearchAttributeKey.for_keyword("TicketOwner")
# The ticket's project: supervisors filter by it (the UI itself is not limited per project).
TICKET_PROJECT = SearchAttributeKey.for_keyword("TicketProject")
# The next escalation deadline: supervisors list what is about to escalate.
TICKET_ESCALATION_AT = SearchAttributeKey.for_datetime("TicketEscalationAt")
# When the ticket last changed state, or its owner last acted: supervisors find what is stuck.
TICKET_CHANGED_AT = SearchAttributeKey.for_datetime("TicketChangedAt")

ALL_KEYS = (
    TICKET_NUMBER,
    TICKET_STATE,
    TICKET_QUEUE,
    TICKET_PRIORITY,
    TICKET_OWNER,
    TICKET_ESCALATION_AT,
    TICKET_PROJECT,
    TICKET_CHANGED_AT,
)
TYPE_NAMES = {
    TICKET_PRIORITY: "Int",
    TICKET_ESCALATION_AT: "Datetime",
    TICKET_CHANGED_AT: "Datetime",
}


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL_KEYS:
        kind = TYPE_NAMES.get(key, "Keyword")
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags
