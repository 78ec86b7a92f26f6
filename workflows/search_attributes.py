"""Search attributes that let supervisors list ticket workflows in the Temporal UI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from ticketflow.payloads import TicketFacts

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


def ticket_attributes(
    number: str, facts: TicketFacts, escalation: datetime | None
) -> list[SearchAttributeUpdate[Any]]:
    """What the ticket's workflow shows the Temporal UI of the ticket, as updates (an
    owner or deadline no longer there is unset)."""
    # Facts carried from before projects name none (the search shows none then).
    project = [TICKET_PROJECT.value_set(facts.project)] if facts.project else []
    active, ticket = facts.timers.owner_active_at, facts.ticket
    changed = max(facts.pending_since, active) if active else facts.pending_since
    owner = ticket.owner
    return [
        *project,
        TICKET_NUMBER.value_set(number),
        TICKET_STATE.value_set(ticket.state.value),
        TICKET_QUEUE.value_set(ticket.queue),
        TICKET_PRIORITY.value_set(ticket.priority),
        TICKET_CHANGED_AT.value_set(changed),
        TICKET_OWNER.value_set(owner) if owner else TICKET_OWNER.value_unset(),
        TICKET_ESCALATION_AT.value_set(escalation)
        if escalation
        else TICKET_ESCALATION_AT.value_unset(),
    ]


def at_start(updates: Sequence[SearchAttributeUpdate[Any]]) -> TypedSearchAttributes:
    """The attributes a workflow is started with, so that its first task need not upsert."""
    return TypedSearchAttributes(
        [SearchAttributePair(u.key, u.value) for u in updates if u.value is not None]
    )


def already_set(
    current: TypedSearchAttributes, updates: Sequence[SearchAttributeUpdate[Any]]
) -> bool:
    """Whether `current` already holds every update (as the run was started with them)."""
    return all(current.get(u.key) == u.value for u in updates)


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL_KEYS:
        kind = TYPE_NAMES.get(key, "Keyword")
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags
