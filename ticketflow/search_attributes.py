"""Search attributes that let supervisors list ticket workflows in the Temporal UI."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

TICKET_NUMBER = SearchAttributeKey.for_keyword("TicketNumber")
TICKET_STATE = SearchAttributeKey.for_keyword("TicketState")
TICKET_QUEUE = SearchAttributeKey.for_keyword("TicketQueue")
TICKET_PRIORITY = SearchAttributeKey.for_int("TicketPriority")
TICKET_OWNER = SearchAttributeKey.for_keyword("TicketOwner")

ALL_KEYS = (TICKET_NUMBER, TICKET_STATE, TICKET_QUEUE, TICKET_PRIORITY, TICKET_OWNER)


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL_KEYS:
        kind = "Int" if key is TICKET_PRIORITY else "Keyword"
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags
