"""Making articles (and new tickets) of inbound mail once it has been read:
deduplication, threading, the per-sender limit.

The raw bytes were kept before (ticketflow.store.inbox); this runs after a reader
process parsed them, still before the sender is answered, so an accepted message is
durable even if Temporal is unreachable; the workflow is told afterwards (and again
on a redelivery, until it has taken the article).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.reading import StaffForward
from ticketflow.desk.rules import Classification
from ticketflow.mail.addresses import counted_sender, normalised_address
from ticketflow.mail.attachments import MailAttachment
from ticketflow.mail.parse import ParsedMail
from ticketflow.payloads import CustomerMessage, TicketFacts
from ticketflow.store import counts
from ticketflow.store.blobs import keep_blob
from ticketflow.store.inbox import RawState
from ticketflow.store.merges import merged_target
from ticketflow.store.models import (
    Article,
    ArticleAttachment,
    RawMessage,
    Ticket,
    TicketHint,
    TicketTag,
)
from ticketflow.store.ticket_shape import write_lifecycle
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.language import declared_language, detect_language
from ticketflow.tickets.lifecycle import new_ticket
from ticketflow.tickets.numbering import DEFAULT_TAG, SubjectTag, ticket_number

# The source of the customer form's messages (ticketflow.service.intake).
FORM_SOURCE = "form"
REUSED_MESSAGE_ID = "its Message-ID was already another message's; kept as a message of its own"


class FirstStep(Protocol):
    """A new ticket's first step, taken in its message's transaction (the engine's)."""

    def __call__(
        self, session: Session, ticket: Ticket, article: Article, message: CustomerMessage
    ) -> TicketFacts: ...


log = logging.getLogger("ticketflow.store.intake")


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
    # Why it was kept without a ticket for an administrator (quarantined or held).
    set_aside: str | None = None
    raw_id: int = 0
    # Its Message-ID was another message's: the workflow records a warning.
    reused_message_id: bool = False
    project: str = ""  # the ticket's ("" without one)
    # The colleague who forwarded the customer's message, named in the history.
    forwarded_by: str | None = None
    # A new ticket's facts after the first step intake took in the same transaction
    # (ticketflow.engine.first_step): its run starts from them.
    first_step: TicketFacts | None = None

    @classmethod
    def without_ticket(
        cls, reason: str, duplicate: bool, raw_id: int = 0, *, aside: bool = False
    ) -> IntakeResult:
        """A message kept, but made no ticket of (by a routing rule, or set aside)."""
        return cls(
            0,
            "",
            0,
            created=False,
            duplicate=duplicate,
            needs_signal=False,
            ignored=None if aside else reason,
            set_aside=reason if aside else None,
            raw_id=raw_id,
        )


@dataclass(frozen=True)
class IntakeRules:
    """Where a new ticket starts, and how a message finds its ticket."""

    # Project -> the queue its new tickets start in.
    default_queues: Mapping[str, str]
    system_id: str
    subject_tag: SubjectTag = DEFAULT_TAG
    # A number in the subject is enough only from the ticket's own addresses (or with a
    # reference to one of its messages); see Settings.number_needs_known_sender.
    number_needs_known_sender: bool = True
    # Attachments larger than this are listed but not stored apart (the raw message has them).
    max_attachment_bytes: int = 20 * 1024 * 1024
    # New tickets one sender may open per window (0: no limit), and whether a+x@d is a@d.
    new_tickets_per_sender: int = 0
    new_ticket_window: timedelta = timedelta(hours=1)
    plus_tags_are_one_sender: bool = True


def store_read(
    sessions: sessionmaker[Session],
    raw_id: int,
    mail: ParsedMail,
    digest: str,
    rules: IntakeRules,
    now: datetime,
    found: Classification | None = None,
    *,
    project: str,
    limit_senders: bool = True,
    forward: StaffForward | None = None,
    first_step: FirstStep | None = None,
) -> IntakeResult:
    """Make the article of a kept message that has been read (a new ticket's too) with
    what the routing rules `found` (tags, hints), in one transaction. A copy of a
    message read before is a duplicate; `limit_senders=False` lets a held message
    through (an administrator's retry). With a colleague's `forward`, `mail` is the
    customer's message in it: the customer's article (and ticket), and the colleague's
    note beside it. A new ticket's `first_step` is taken in the same transaction."""
    for attempt in range(2):
        try:
            with sessions.begin() as session:
                return _store_read(
                    session,
                    raw_id,
                    mail,
                    digest,
                    rules,
                    now,
                    found or Classification(),
                    project,
                    limit_senders,
                    forward,
                    first_step,
                )
        except IntegrityError:
            # A concurrent delivery of the same message won the race; read again, this
            # one is its duplicate.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _store_read(
    session: Session,
    raw_id: int,
    mail: ParsedMail,
    digest: str,
    rules: IntakeRules,
    now: datetime,
    found: Classification,
    project: str,
    limit_senders: bool,
    forward: StaffForward | None = None,
    first_step: FirstStep | None = None,
) -> IntakeResult:
    claimed = session.execute(  # type: ignore[attr-defined]
        update(RawMessage)
        .where(RawMessage.id == raw_id, RawMessage.state == RawState.RECEIVED)
        .values(state=RawState.READ)
    ).rowcount
    if not claimed:  # another delivery of these bytes read them first
        return result_of(session, raw_id)
    raw_row = session.get_one(RawMessage, raw_id)
    raw_row.project = project
    # What was delivered is known by its own Message-ID (a forward's, not its original's).
    delivered_id = forward.message_id if forward is not None else mail.message_id
    earlier = _earlier_copies(session, delivered_id, raw_id)
    same = next((e for e in earlier if e.content_digest in (None, digest)), None)
    if same is not None:
        raw_row.state, raw_row.duplicate_of = RawState.DUPLICATE, same.id
        return result_of(session, same.id)
    raw_row.message_id = (delivered_id or "")[:1000] or None
    raw_row.content_digest = digest
    if found.ignore is not None:
        raw_row.state, raw_row.ignored = RawState.IGNORED, found.ignore[:300]
        log.info("raw message %d made no ticket: %s", raw_id, found.ignore)
        return IntakeResult.without_ticket(found.ignore, duplicate=False, raw_id=raw_id)
    # What the customer form sends proves no address: it never joins a ticket (by a
    # number in its subject, or anything else); it makes one.
    threaded = mail
    if forward is not None and mail.message_id:  # the same original forwarded again
        threaded = replace(mail, references=[*mail.references, mail.message_id])
    ticket = None if raw_row.source == FORM_SOURCE else find_thread(session, threaded, rules)
    created = ticket is None
    if ticket is None:
        sender = counted_sender(mail.from_addr)[:320] if mail.from_addr else None
        if limit_senders and sender and _over_sender_limit(session, sender, rules, now):
            problem = (
                f"sender over the limit of {rules.new_tickets_per_sender} new tickets "
                f"per {rules.new_ticket_window}"
            )
            raw_row.state, raw_row.problem = RawState.HELD, problem
            log.warning("raw message %d held: %s", raw_id, problem)
            return IntakeResult.without_ticket(problem, False, raw_id, aside=True)
        ticket = _new_ticket(session, mail, rules, project, now, raw_row.source == FORM_SOURCE)
        raw_row.new_ticket_sender = sender
    session.flush()
    article = Article(
        ticket_id=ticket.id,
        direction=Direction.IN,
        status=ArticleStatus.RECEIVED,
        from_addr=mail.from_header[:1000],
        to_addr=mail.to_header[:2000],
        cc_addr=mail.cc_header[:2000] or None,
        subject=mail.subject[:1000],
        body_text=mail.body_text,
        body_html=mail.body_html or None,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=" ".join(mail.references) or None,
        raw_message_id=raw_id,
        created_at=now,
        bounce=mail.is_bounce,
    )
    if forward is not None and forward.written_at is not None and forward.written_at <= now:
        article.created_at = forward.written_at  # when the customer wrote it
    session.add(article)
    session.flush()
    _store_attachments(session, article.id, mail.attachments, rules.max_attachment_bytes)
    _store_findings(session, ticket.id, article.id, found)
    if forward is not None:
        _store_forward_note(session, ticket.id, forward, now, rules.max_attachment_bytes)
    _log_reuse(raw_id, earlier)
    forwarded_by = forward.forwarder if forward is not None else None
    facts = None
    if created and first_step is not None:
        message = CustomerMessage(article.id, _warning(earlier), forwarded_by=forwarded_by)
        facts = first_step(session, ticket, article, message)
    return IntakeResult(
        ticket.id,
        ticket.number,
        article.id,
        created,
        duplicate=False,
        needs_signal=True,
        raw_id=raw_id,
        reused_message_id=bool(earlier),
        project=ticket.project,
        forwarded_by=forwarded_by,
        first_step=facts,
    )


def _log_reuse(raw_id: int, earlier: list[RawMessage]) -> None:
    if earlier:
        log.warning("raw message %d reuses the Message-ID of raw message %d", raw_id, earlier[0].id)


def _warning(earlier: list[RawMessage]) -> str | None:
    """What the history says of a message whose Message-ID an earlier one had."""
    return REUSED_MESSAGE_ID if earlier else None


def _store_forward_note(
    session: Session, ticket_id: int, forward: StaffForward, now: datetime, limit: int
) -> None:
    """What the colleague wrote above the customer's message (and any file he added), as
    an internal note: the customer never sees it."""
    if not forward.note.strip() and not forward.attachments:
        return
    note = Article(
        ticket_id=ticket_id,
        direction=Direction.NOTE,
        status=ArticleStatus.SAVED,
        from_addr=forward.forwarder[:1000],
        body_text=forward.note,
        author=forward.forwarder[:100],
        created_at=now,
    )
    session.add(note)
    session.flush()
    _store_attachments(session, note.id, forward.attachments, limit)


def _earlier_copies(session: Session, message_id: str | None, raw_id: int) -> list[RawMessage]:
    """Other messages read under this Message-ID, oldest first."""
    if not message_id:
        return []
    return list(
        session.scalars(
            select(RawMessage)
            .where(
                RawMessage.message_id == message_id[:1000],
                RawMessage.id != raw_id,
                RawMessage.state.in_((RawState.READ, RawState.IGNORED, RawState.HELD)),
            )
            .order_by(RawMessage.id)
        )
    )


def _over_sender_limit(session: Session, sender: str, rules: IntakeRules, now: datetime) -> bool:
    if rules.new_tickets_per_sender <= 0:
        return False
    opened = session.scalar(
        select(func.count())
        .select_from(RawMessage)
        .where(
            RawMessage.new_ticket_sender == sender,
            RawMessage.received_at >= now - rules.new_ticket_window,
        )
    )
    return (opened or 0) >= rules.new_tickets_per_sender


def result_of(session: Session, raw_id: int) -> IntakeResult:
    """What became of a message kept before, told as a duplicate delivery of it."""
    for _ in range(10):  # a duplicate of a duplicate: follow to the one read
        raw_row = session.get(RawMessage, raw_id)
        if raw_row is None or raw_row.state != RawState.DUPLICATE or not raw_row.duplicate_of:
            break
        raw_id = raw_row.duplicate_of
    if raw_row is None:
        raise LookupError(f"no raw message {raw_id}")
    state = RawState(raw_row.state)
    if state == RawState.IGNORED:
        return IntakeResult.without_ticket(raw_row.ignored or "ignored", True, raw_id)
    if state in (RawState.QUARANTINED, RawState.HELD, RawState.DROPPED):
        return IntakeResult.without_ticket(raw_row.problem or state.value, True, raw_id, aside=True)
    row = session.execute(
        select(
            Article.id, Article.status, Ticket.id.label("ticket_id"), Ticket.number, Ticket.project
        )
        .join(Ticket, Article.ticket_id == Ticket.id)
        .where(Article.raw_message_id == raw_id)
    ).first()
    if row is None:  # being read by a delivery in flight right now
        return IntakeResult(0, "", 0, False, duplicate=True, needs_signal=False, raw_id=raw_id)
    return IntakeResult(
        ticket_id=row.ticket_id,
        ticket_number=row.number,
        article_id=row.id,
        created=False,
        duplicate=True,
        # A `routed` one's run is started by intake or the worker's sweep, never a signal.
        needs_signal=row.status == ArticleStatus.RECEIVED,
        raw_id=raw_id,
        project=row.project,
    )


def kept_result(sessions: sessionmaker[Session], raw_id: int) -> IntakeResult:
    with sessions() as session:
        return result_of(session, raw_id)


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
        # Past the limit a file is listed, not stored apart (the raw message has it).
        digest = keep_blob(session, attachment.data) if size <= limit else None
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
    addresses (or the rules trust numbers alone). Mail to a merged ticket belongs to the
    one it was merged into.
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
            return merged_target(session, ticket)
    number = rules.subject_tag.number_in(parsed.subject)
    if not number:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        return None
    # A merged ticket's mail is the other's now: its senders are known there.
    ticket = merged_target(session, ticket)
    known = _known_sender(session, ticket, parsed.from_addr, rules.plus_tags_are_one_sender)
    if rules.number_needs_known_sender and not known:
        log.info("ticket %s named by an unknown sender: a new ticket instead", number)
        return None
    return ticket


def _known_sender(session: Session, ticket: Ticket, address: str, fold_plus_tag: bool) -> bool:
    """Whether `address` is the ticket's customer or has written to, been written to or
    been copied on it, compared as one mailbox (case, IDNA, and sub-addresses when
    `fold_plus_tag`)."""
    if not address:
        return False

    def same(other: str) -> str:
        return normalised_address(other, fold_plus_tag=fold_plus_tag)

    wanted = same(address)
    if wanted == same(ticket.customer):
        return True
    rows = session.execute(
        select(
            Article.direction, Article.from_addr, Article.to_addr, Article.cc_addr, Article.bcc_addr
        ).where(Article.ticket_id == ticket.id, Article.direction != Direction.NOTE)
    ).all()
    for direction, from_header, to_header, cc_header, bcc_header in rows:
        # Who wrote to it, who was written to, and who was copied either way.
        headers = [from_header if direction == Direction.IN else to_header, cc_header, bcc_header]
        if wanted in {same(a) for _, a in getaddresses([h for h in headers if h]) if a}:
            return True
    return False


def _new_ticket(
    session: Session,
    parsed: ParsedMail,
    rules: IntakeRules,
    project: str,
    now: datetime,
    from_form: bool = False,
) -> Ticket:
    # The form says the language of the page the customer wrote on; mail is read.
    declared = declared_language([parsed.content_language]) if from_form else None
    ticket = Ticket(
        project=project,
        # Placeholder until the id is known; the real number is date + id.
        number=uuid.uuid4().hex[:32],
        subject=parsed.subject[:500],
        customer=parsed.from_addr[:320],
        language=declared or detect_language(f"{parsed.subject}\n{parsed.body_text}"),
        created_at=now,
        pending_since=now,
        updated_at=now,
    )
    write_lifecycle(ticket, new_ticket(rules.default_queues[project]))
    session.add(ticket)
    session.flush()
    ticket.number = ticket_number(now, rules.system_id, ticket.id)
    counts.bump(session, project, ticket.queue, ticket.state, +1)
    return ticket


def mark_taken(session: Session, article_id: int) -> None:
    """A new ticket's first message, `routed` by intake's first step, is processed: its
    run has it (in the caller's transaction)."""
    session.execute(
        update(Article)
        .where(Article.id == article_id, Article.status == ArticleStatus.ROUTED)
        .values(status=ArticleStatus.PROCESSED)
    )
