"""A ticket's one shape, and the one place that maps its forms: the read model's row read
as the pure domain's `lifecycle.Ticket` and written from it, the facts a workflow run
starts from, and the projection a run writes back. The workflow carries the same
`lifecycle.Ticket` in its facts, its projections and its answers; views read the row by
its columns' names (the API's shapes take it `from_attributes`)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from ticketflow.payloads import AccessCase, HistoryEntry, Projection, TicketFacts
from ticketflow.store.models import HistoryEvent, Ticket
from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import State
from ticketflow.tickets.sla import Clocks
from ticketflow.tickets.timers import TicketTimers


def lifecycle_of(row: Ticket) -> lifecycle.Ticket:
    """The row's lifecycle as the domain decides over it (it may lag the workflow)."""
    return lifecycle.Ticket(State(row.state), row.queue, row.owner, row.priority, row.reply_queue)


def write_lifecycle(row: Ticket, ticket: lifecycle.Ticket) -> None:
    row.state, row.queue, row.owner = ticket.state.value, ticket.queue, ticket.owner
    row.priority, row.reply_queue = ticket.priority, ticket.reply_queue


def write_projection(row: Ticket, projection: Projection) -> None:
    """The row as the projection's run left the ticket (its events are written apart)."""
    write_lifecycle(row, projection.ticket)
    row.pending_since = projection.pending_since
    row.updated_at = projection.updated_at
    row.escalation_at = projection.escalation_at
    row.version = projection.version


def facts_of(
    row: Ticket,
    *,
    last_seq: int,
    lines: dict[str, str],
    policy: str | None,
    first_article_id: int | None,
    customer_wrote_at: datetime | None,
    responded: bool,
    access: AccessCase | None = None,
    merged_into: str | None = None,
) -> TicketFacts:
    """What a new run of a stored ticket starts from. Its SLA clocks start anew, knowing
    whether the first response was given (an agent wrote to the customer)."""
    ticket = lifecycle_of(row)
    return TicketFacts(
        ticket_id=row.id,
        ticket=ticket,
        project=row.project,
        pending_since=row.pending_since,
        closed_at=row.updated_at if ticket.state is State.CLOSED else None,
        version=row.version,
        last_seq=last_seq,
        lines=lines,
        first_article_id=first_article_id,
        policy=policy,
        timers=TicketTimers(clocks=Clocks(responded=True) if responded else None),
        customer_wrote_at=customer_wrote_at,
        access=access,
        merged_into=merged_into,
    )


def history_entry_of(row: HistoryEvent) -> HistoryEntry:
    """A stored event as the workflow recorded it (the projection wrote its fields as they
    are: the row's columns are the entry's fields)."""
    return HistoryEntry(**{f.name: getattr(row, f.name) for f in fields(HistoryEntry)})
