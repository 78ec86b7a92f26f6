"""Read-side queries for the agent API: queue lists, keyset-paginated views, ticket pages."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, func, literal_column, or_, select, table, tuple_
from sqlalchemy.orm import Session

from ticketflow.store.models import (
    Article,
    ArticleAttachment,
    Blob,
    HistoryEvent,
    Queue,
    QueueCount,
    Ticket,
    TicketHint,
    TicketTag,
    utcnow,
)
from ticketflow.tickets.articles import ArticleStatus
from ticketflow.tickets.lifecycle import OPEN_STATES, State


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class QueueStats:
    name: str
    line: str
    open: int
    waiting: int
    oldest_open_age_seconds: float | None


def queue_stats(session: Session, project: str, names: Sequence[str]) -> list[QueueStats]:
    """One statement: counts from the counters table, the oldest open ticket per queue from
    the queue index (a min over its leading columns reads one index entry)."""
    oldest = (
        select(func.min(Ticket.pending_since))
        .where(
            Ticket.project == Queue.project,
            Ticket.queue == Queue.name,
            Ticket.state == Queue.line,
        )
        .scalar_subquery()
    )

    def count(state: Any) -> Any:
        return (
            select(func.coalesce(func.sum(QueueCount.count), 0))
            .where(
                QueueCount.project == Queue.project,
                QueueCount.queue == Queue.name,
                QueueCount.state == state,
            )
            .scalar_subquery()
        )

    rows = session.execute(
        select(Queue.name, Queue.line, count(Queue.line), count(State.WAITING.value), oldest)
        .where(Queue.project == project, Queue.name.in_(names))
        .order_by(Queue.id)
    ).all()
    now = utcnow()
    return [
        QueueStats(
            name=name,
            line=line,
            open=int(open_count),
            waiting=int(waiting),
            oldest_open_age_seconds=(now - since).total_seconds() if since else None,
        )
        for name, line, open_count, waiting, since in rows
    ]


# The largest id a row can have (PostgreSQL's integer): a larger one names no row.
ROW_ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class Sort:
    """How a queue view is ordered: oldest pending first, soonest escalation first (only
    tickets with a running escalation clock), or highest priority first and oldest
    pending within it; the id breaks ties. A page continues after its last ticket."""

    key: Any  # the column after the priority, ascending
    by_priority: bool = False

    def order_by(self) -> list[Any]:
        ordered = [self.key, Ticket.id]
        return [Ticket.priority.desc(), *ordered] if self.by_priority else ordered

    def after(self, ticket: Ticket) -> Any:
        """Tickets that come after `ticket` in this order."""
        return self.after_values(getattr(ticket, self.key.key), ticket.id, ticket.priority)

    def after_values(self, at: datetime, row_id: int, priority: int) -> Any:
        later = tuple_(self.key, Ticket.id) > tuple_(at, row_id)
        if not self.by_priority:
            return later
        return or_(Ticket.priority < priority, and_(Ticket.priority == priority, later))

    def cursor(self, ticket: Ticket) -> str:
        stamp = getattr(ticket, self.key.key)
        raw = f"{stamp.isoformat()}|{ticket.id}"
        if self.by_priority:
            raw = f"{ticket.priority}|{raw}"
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def decode(self, cursor: str) -> tuple[datetime, int, int]:
        try:
            parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
            priority = int(parts.pop(0)) if self.by_priority else 0
            stamp, ident = parts
            at, row_id = datetime.fromisoformat(stamp), int(ident)
        except ValueError as exc:
            raise BadCursor("invalid cursor") from exc
        if not 0 <= row_id <= ROW_ID_MAX or at.tzinfo is None or not 0 <= priority <= 9:
            raise BadCursor("invalid cursor")
        return at, row_id, priority


SORTS = {
    "pending": Sort(Ticket.pending_since),
    "escalation": Sort(Ticket.escalation_at),
    "priority": Sort(Ticket.pending_since, by_priority=True),
}


def list_tickets(
    session: Session,
    project: str,
    queues: Sequence[str],
    states: Sequence[str],
    limit: int,
    cursor: str | None,
    sort: str = "pending",
    tag: str | None = None,
) -> tuple[list[Ticket], str | None]:
    """Ordered by `sort`; `cursor` continues after the last ticket of the previous page."""
    order = SORTS[sort]
    query = select(Ticket).where(
        Ticket.project == project, Ticket.queue.in_(queues), Ticket.state.in_(states)
    )
    if tag is not None:
        tagged = select(TicketTag.ticket_id).where(TicketTag.tag == tag)
        query = query.where(Ticket.id.in_(tagged))
    if sort == "escalation":
        query = query.where(order.key.is_not(None))
    if cursor:
        query = query.where(order.after_values(*order.decode(cursor)))
    rows = list(session.scalars(query.order_by(*order.order_by()).limit(limit + 1)).all())
    next_cursor = order.cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def escalating_tickets(
    session: Session, project: str, queues: Sequence[str], until: datetime, limit: int
) -> list[Ticket]:
    """Tickets whose next escalation deadline falls before `until` (or has passed)."""
    query = (
        select(Ticket)
        .where(Ticket.project == project, Ticket.queue.in_(queues), Ticket.escalation_at <= until)
        .order_by(Ticket.escalation_at, Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(query).all())


def default_states(line: str | None) -> list[str]:
    """A queue view shows the open tickets: those in the queue's line, or both lines."""
    return [line] if line else [s.value for s in OPEN_STATES]


def ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number))


def own_entry(session: Session, ticket_id: int, seq: int, actor: str) -> bool:
    """Whether the ticket's history entry `seq` is `actor`'s."""
    found = session.scalar(
        select(HistoryEvent.actor).where(
            HistoryEvent.ticket_id == ticket_id, HistoryEvent.seq == seq
        )
    )
    return found == actor


def ticket_articles(
    session: Session, ticket_id: int, limit: int | None = None, before: int | None = None
) -> Sequence[Article]:
    """The ticket's articles, oldest first; with `limit`, the newest that many (before the
    article `before`): a ticket of hundreds of articles is read a page at a time."""
    query = select(Article).where(
        Article.ticket_id == ticket_id, Article.status != ArticleStatus.DRAFT
    )
    if before is not None:
        query = query.where(Article.id < before)
    if limit is None:
        return session.scalars(query.order_by(Article.id)).all()
    newest = session.scalars(query.order_by(Article.id.desc()).limit(limit)).all()
    return list(reversed(newest))


def ticket_tags(session: Session, ticket_id: int) -> list[str]:
    return list(
        session.scalars(
            select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(TicketTag.tag)
        )
    )


def ticket_hints(session: Session, ticket_id: int) -> Sequence[TicketHint]:
    return session.scalars(
        select(TicketHint).where(TicketHint.ticket_id == ticket_id).order_by(TicketHint.id)
    ).all()


def ticket_history(
    session: Session, ticket_id: int, limit: int | None = None
) -> Sequence[HistoryEvent]:
    """The ticket's history in order; with `limit`, its last that many events."""
    query = select(HistoryEvent).where(HistoryEvent.ticket_id == ticket_id)
    if limit is None:
        return session.scalars(query.order_by(HistoryEvent.seq)).all()
    last = session.scalars(query.order_by(HistoryEvent.seq.desc()).limit(limit)).all()
    return list(reversed(last))


@dataclass(frozen=True)
class SearchHit:
    ticket: Ticket
    article_id: int | None  # the newest article that matched; None for a ticket-number hit


def search_tickets(
    session: Session, text: str, project: str, queues: Sequence[str], limit: int
) -> list[SearchHit]:
    """Tickets in `queues` of `project` whose articles match `text`, newest matching
    article first.

    Full-text search on PostgreSQL (stemmed, `websearch_to_tsquery` syntax) and on
    SQLite (FTS5, whole words). A ticket number finds its ticket first.
    """
    hits: list[SearchHit] = []
    exact = ticket_by_number(session, text.strip()) if text.strip().isdigit() else None
    if exact is not None and exact.project == project and exact.queue in queues:
        hits.append(SearchHit(exact, None))
    match = _article_match(session, text)
    if match is None:
        return hits
    # Newest articles first without grouping: for a common word the primary key is
    # walked backwards and stops early; for a rare one the search index is used.
    rows = session.execute(
        select(Article.id, Article.ticket_id)
        .join(Ticket, Ticket.id == Article.ticket_id)
        .where(
            match,
            Article.status != ArticleStatus.DRAFT,
            Ticket.project == project,
            Ticket.queue.in_(queues),
        )
        .order_by(Article.id.desc())
        .limit(limit * 4)
    ).all()
    newest: dict[int, int] = {}
    for article_id, ticket_id in rows:
        newest.setdefault(ticket_id, article_id)
    wanted = [t for t in newest if exact is None or t != exact.id][: limit - len(hits)]
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(wanted)))}
    hits += [SearchHit(tickets[t], newest[t]) for t in wanted]
    return hits


def _article_match(session: Session, text: str) -> Any:
    """The WHERE clause matching articles against `text`; None when nothing is searchable."""
    if session.get_bind().dialect.name == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'russian'::regconfig"), text)
        return literal_column("articles.search_vector").bool_op("@@")(query)
    words = re.findall(r"\w+", text)
    if not words:
        return None
    # Only word characters, each word quoted: nothing in user input is FTS5 syntax.
    fts_query = " ".join(f'"{word}"' for word in words)
    fts_match = literal_column("articles_fts").bool_op("MATCH")(fts_query)
    return Article.id.in_(
        select(literal_column("rowid", Integer)).select_from(table("articles_fts")).where(fts_match)
    )


def article_attachments(
    session: Session, article_ids: Sequence[int]
) -> dict[int, list[ArticleAttachment]]:
    """The attachments of these articles, in the order the message had them."""
    found: dict[int, list[ArticleAttachment]] = {}
    rows = session.scalars(
        select(ArticleAttachment)
        .where(ArticleAttachment.article_id.in_(article_ids))
        .order_by(ArticleAttachment.id)
    )
    for row in rows:
        found.setdefault(row.article_id, []).append(row)
    return found


def attachment_and_ticket(
    session: Session, attachment_id: int
) -> tuple[ArticleAttachment, Ticket] | None:
    row = session.execute(
        select(ArticleAttachment, Ticket)
        .join(Article, Article.id == ArticleAttachment.article_id)
        .join(Ticket, Ticket.id == Article.ticket_id)
        .where(ArticleAttachment.id == attachment_id, Article.status != ArticleStatus.DRAFT)
    ).first()
    return (row[0], row[1]) if row else None


def blob_data(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
