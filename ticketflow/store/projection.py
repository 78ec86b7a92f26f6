"""A ticket workflow's changes written to the read model: the ticket's row, its history,
its queue counters and report figures, the articles it took in or withdrew.

Idempotent: a projection carries the workflow's version (the number of events so far)
and writes only what the row does not have yet. The workflow's projection activity
writes with it, and so does intake for a new ticket's first step (its message's own
transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from ticketflow.metrics import TICKET_EVENTS
from ticketflow.payloads import HistoryEntry, Projection
from ticketflow.store import counts, report_figures
from ticketflow.store.models import Article, HistoryEvent, Ticket
from ticketflow.store.ticket_shape import write_projection
from ticketflow.tickets.articles import ACCEPTED_STATUS, ArticleStatus
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.reporting import DeskShape
from ticketflow.tickets.undo import UNDO

log = logging.getLogger("ticketflow.store.projection")


def write_changes(
    session: Session, ticket: Ticket, projection: Projection, shape: DeskShape
) -> list[HistoryEntry]:
    """Write what `projection` holds past the row's version (the row locked by the
    caller); returns the history entries written (none when it had them all)."""
    if ticket.version >= projection.version:
        return []
    replaced = _replace_phantom_events(session, ticket.id, projection.events, ticket.version)
    # A local activity can run again with a larger batch after its workflow
    # task was rejected: write only events past what the row already has
    # (the version counts events, so it is the last written seq).
    new_events = [e for e in projection.events if e.seq > ticket.version]
    after = projection.ticket
    counts.move(
        session,
        (ticket.project, ticket.queue, ticket.state),
        (ticket.project, after.queue, after.state.value),
    )
    write_projection(ticket, projection)
    for event in new_events:  # the language its answers are written in, when set
        if event.action == Action.LANGUAGE and event.detail:
            ticket.language = event.detail
    session.add_all(HistoryEvent(ticket_id=ticket.id, **vars(e)) for e in new_events)
    undone = any(e.action == UNDO for e in new_events)
    if replaced or undone:  # fold the history anew: numbering lost, or taken back
        session.flush()
        report_figures.rebuild(session, ticket, shape)
    else:
        report_figures.record(session, ticket, new_events, shape)
    if projection.accepted_articles:
        _accept_articles(session, ticket.id, projection.accepted_articles)
    if projection.withdrawn_articles:
        _withdraw_articles(session, ticket.id, projection.withdrawn_articles)
    return new_events


def count_events(project: str, events: Iterable[HistoryEntry]) -> None:
    """The events metric, counted once their transaction holds."""
    for event in events:
        TICKET_EVENTS.labels(project=project, event=event.action).inc()


def _accept_articles(session: Session, ticket_id: int, article_ids: list[int]) -> None:
    session.execute(
        update(Article)
        .where(
            Article.id.in_(article_ids),
            Article.ticket_id == ticket_id,
            Article.status.in_([ArticleStatus.RECEIVED, ArticleStatus.DRAFT]),
        )
        .values(status=case(ACCEPTED_STATUS, value=Article.direction))
    )


def _withdraw_articles(session: Session, ticket_id: int, article_ids: list[int]) -> None:
    """Notes and mails an undo took back: never sent (their workflow holds mail until
    the undo window is over, so none has started)."""
    session.execute(
        update(Article)
        .where(
            Article.id.in_(article_ids),
            Article.ticket_id == ticket_id,
            Article.status.in_([ArticleStatus.DRAFT, ArticleStatus.QUEUED, ArticleStatus.SAVED]),
        )
        .values(status=ArticleStatus.WITHDRAWN)
    )


def _replace_phantom_events(
    session: Session, ticket_id: int, events: list[HistoryEntry], written: int
) -> bool:
    """Seqs the read model holds for other events were written by an attempt of a workflow
    task that was lost (its worker died or the task timed out after its local activity
    wrote): Temporal never recorded it. The attempt that counts began from the same history
    and saw at least the same messages and timers, so its events hold every one of the lost
    attempt's, numbered its own way: its numbering replaces the lost one's. (A lost
    attempt's write that comes late carries no newer version and is skipped.) True when
    any was replaced."""
    # Only seqs the row already has (its version is the last written) can hold another
    # event: a batch wholly past them, as nearly every one is, needs no look.
    incoming = {e.seq: e for e in events if e.seq <= written}
    if not incoming:
        return False
    stored = session.scalars(
        select(HistoryEvent).where(
            HistoryEvent.ticket_id == ticket_id, HistoryEvent.seq.in_(list(incoming))
        )
    ).all()
    replaced = []
    for row in stored:
        event = incoming[row.seq]
        if (row.action, row.article_id) != (event.action, event.article_id):
            for name, value in vars(event).items():
                setattr(row, name, value)
            replaced.append(row.seq)
    if replaced:
        log.warning(
            "ticket id %d: history seqs %s were written by a lost workflow task; replaced",
            ticket_id,
            replaced,
        )
    return bool(replaced)
