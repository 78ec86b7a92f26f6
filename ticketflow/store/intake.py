"""Storing inbound mail: byte-exact raw message, deduplication, threading, new tickets.

Runs in the API before it answers, so an accepted message is durable even if
Temporal is unreachable; the workflow is told afterwards (and again on a
redelivery, until it has taken the article).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.rules import Classification
from ticketflow.mail.attachments import MailAttachment
from ticketflow.mail.parse import ParsedMail
from ticketflow.store import counts
from ticketflow.store.models import (
    Article,
    ArticleAttachment,
    Blob,
    RawMessage,
    Ticket,
    TicketHint,
    TicketTag,
)
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.language import detect_language
from ticketflow.tickets.lifecycle import DEFAULT_PRIORITY, State
from ticketflow.tickets.numbering import DEFAULT_TAG, SubjectTag, ticket_number

log = logging.getLogger("ticketflow.store.intake")

# An inbound article the workflow has not yet taken in.


@dataclass(frozen=True)
class IntakeResult:
    ticket_id: int
    ticket_number: str
    article_id: int
    created: bool
    duplicate: bool
    # True while the ticket's workflow has not taken the article in yet.
    needs_signal: bool
    # Why a routing rule made no ticket of it (then it has no ticket and no article).
    ignored: str | None = None

    @classmethod
    def without_ticket(cls, reason: str, duplicate: bool) -> IntakeResult:
        """A message kept, but made no ticket of by a routing rule."""
        return cls(0, "", 0, created=False, duplicate=duplicate, needs_signal=False, ignored=reason)


def dedup_key(parsed: ParsedMail, raw: bytes) -> str:
    if parsed.message_id:
        return parsed.message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class IntakeRules:
    """Where a new ticket starts, and how a message finds its ticket."""

    default_queue: str
    system_id: str
    subject_tag: SubjectTag = DEFAULT_TAG
    # A number in the subject is enough only from the ticket's own addresses (or with a
    # reference to one of its messages); see Settings.number_needs_known_sender.
    number_needs_known_sender: bool = True
    # Attachments larger than this are listed but not stored apart (the raw message has them).
    max_attachment_bytes: int = 20 * 1024 * 1024


def store_inbound(
    sessions: sessionmaker[Session],
    raw: bytes,
    parsed: ParsedMail,
    rules: IntakeRules,
    now: datetime,
    found: Classification | None = None,
) -> IntakeResult:
    """Store the message with its article (a new ticket's too) and what the routing rules
    `found` (tags, hints), in one transaction; a message delivered again is a duplicate."""
    key = dedup_key(parsed, raw)
    try:
        with sessions.begin() as session:
            return _find_duplicate(session, key) or _store_new(
                session, key, raw, parsed, rules, now, found or Classification()
            )
    except IntegrityError:
        # A concurrent delivery of the same message won the race: it is a duplicate.
        with sessions() as session:
            duplicate = _find_duplicate(session, key)
        if duplicate is None:
            raise
        return duplicate


def _find_duplicate(session: Session, key: str) -> IntakeResult | None:
    row = session.execute(
        select(
            RawMessage.ignored,
            Article.id,
            Article.status,
            Ticket.id.label("ticket_id"),
            Ticket.number,
        )
        .outerjoin(Article, Article.raw_message_id == RawMessage.id)
        .outerjoin(Ticket, Article.ticket_id == Ticket.id)
        .where(RawMessage.dedup_key == key)
    ).first()
    if row is None or (row.id is None and row.ignored is None):
        return None
    if row.id is None:  # kept before without a ticket: a rule ignored it
        return IntakeResult.without_ticket(row.ignored, duplicate=True)
    return IntakeResult(
        ticket_id=row.ticket_id,
        ticket_number=row.number,
        article_id=row.id,
        created=False,
        duplicate=True,
        needs_signal=row.status == ArticleStatus.RECEIVED,
    )


def store_ignored(
    sessions: sessionmaker[Session], raw: bytes, parsed: ParsedMail, reason: str
) -> bool:
    """Keep a message a rule made no ticket of, with the reason; True if it was kept before."""
    key = dedup_key(parsed, raw)
    with sessions.begin() as session:
        if session.scalar(select(RawMessage.id).where(RawMessage.dedup_key == key)) is not None:
            return True
        session.add(RawMessage(dedup_key=key, raw=raw, ignored=reason[:300]))
    log.info("message %s made no ticket: %s", key, reason)
    return False


def _store_new(
    session: Session,
    key: str,
    raw: bytes,
    parsed: ParsedMail,
    rules: IntakeRules,
    now: datetime,
    found: Classification,
) -> IntakeResult:
    raw_row = RawMessage(dedup_key=key, raw=raw, received_at=now)
    session.add(raw_row)
    ticket = find_thread(session, parsed, rules)
    created = ticket is None
    if ticket is None:
        ticket = _new_ticket(session, parsed, rules, now)
    session.flush()
    article = Article(
        ticket_id=ticket.id,
        direction=Direction.IN,
        status=ArticleStatus.RECEIVED,
        from_addr=parsed.from_header[:1000],
        to_addr=parsed.to_header[:2000],
        subject=parsed.subject[:1000],
        body_text=parsed.body_text,
        body_html=parsed.body_html or None,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references) or None,
        raw_message_id=raw_row.id,
        created_at=now,
        bounce=parsed.is_bounce,
    )
    session.add(article)
    session.flush()
    _store_attachments(session, article.id, parsed.attachments, rules.max_attachment_bytes)
    _store_findings(session, ticket.id, article.id, found)
    return IntakeResult(
        ticket.id, ticket.number, article.id, created, duplicate=False, needs_signal=True
    )


def _store_findings(
    session: Session, ticket_id: int, article_id: int, found: Classification
) -> None:
    if found.tags:
        have = set(session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id)))
        session.add_all(
            TicketTag(ticket_id=ticket_id, tag=t[:100]) for t in found.tags if t not in have
        )
    session.add_all(
        TicketHint(
            ticket_id=ticket_id,
            article_id=article_id,
            topic=h.topic[:100],
            rule=h.rule[:200],
            part=h.part[:100],
            matched=h.matched[:200],
        )
        for h in found.hints
    )


def _store_attachments(
    session: Session, article_id: int, attachments: list[MailAttachment], limit: int
) -> None:
    for attachment in attachments:
        size = len(attachment.data)
        digest = hashlib.sha256(attachment.data).hexdigest() if size <= limit else None
        if digest is not None:
            # The same file in many messages (logos, forwarded chains) is stored once; a
            # concurrent intake of the same file is no conflict.
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(
                insert(Blob)
                .values(sha256=digest, size=size, data=attachment.data)
                .on_conflict_do_nothing(index_elements=["sha256"])
            )
        session.add(
            ArticleAttachment(
                article_id=article_id,
                filename=attachment.filename,
                content_type=attachment.content_type[:200],
                size=size,
                inline=attachment.inline,
                content_id=(attachment.content_id or "")[:500] or None,
                blob_sha256=digest,
            )
        )


def find_thread(session: Session, parsed: ParsedMail, rules: IntakeRules) -> Ticket | None:
    """The ticket this mail belongs to.

    A reference to one of our stored messages, inbound or outbound (In-Reply-To,
    References, or the original a bounce reports on), decides, whatever the subject
    says. Otherwise the number in the subject, if the sender is one of that ticket's
    addresses (or the rules trust numbers alone).
    """
    ids = parsed.thread_ids
    if ids:
        ticket = session.scalar(
            select(Ticket)
            .join(Article, Article.ticket_id == Ticket.id)
            .where(Article.message_id.in_(ids))
            .order_by(Article.id.desc())
            .limit(1)
        )
        if ticket is not None:
            return ticket
    number = rules.subject_tag.number_in(parsed.subject)
    if not number:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        return None
    if rules.number_needs_known_sender and not _known_sender(session, ticket, parsed.from_addr):
        log.info("ticket %s named by an unknown sender: a new ticket instead", number)
        return None
    return ticket


def _known_sender(session: Session, ticket: Ticket, address: str) -> bool:
    """Whether `address` is the ticket's customer or has written to or been written to on it."""
    if not address:
        return False
    if address == ticket.customer.lower():
        return True
    rows = session.execute(
        select(Article.direction, Article.from_addr, Article.to_addr).where(
            Article.ticket_id == ticket.id, Article.direction != Direction.NOTE
        )
    ).all()
    for direction, from_header, to_header in rows:
        header = from_header if direction == Direction.IN else to_header
        if address in {a.lower() for _, a in getaddresses([header or ""])}:
            return True
    return False


def _new_ticket(session: Session, parsed: ParsedMail, rules: IntakeRules, now: datetime) -> Ticket:
    queue = rules.default_queue
    ticket = Ticket(
        # Placeholder until the id is known; the real number is date + id.
        number=uuid.uuid4().hex[:32],
        subject=parsed.subject[:500],
        customer=parsed.from_addr[:320],
        language=detect_language(f"{parsed.subject}\n{parsed.body_text}"),
        state=State.RECEIVED.value,
        queue=queue,
        owner=None,
        priority=DEFAULT_PRIORITY,
        created_at=now,
        pending_since=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    ticket.number = ticket_number(now, rules.system_id, ticket.id)
    counts.bump(session, queue, State.RECEIVED.value, +1)
    return ticket
