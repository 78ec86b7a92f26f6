"""An agent's forward of one of a ticket's mails to another address: the draft's
recipient, subject and text (his note above a "Forwarded message" block), and the files
it carries (the mail's own, or the original message whole as `message/rfc822`)."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketflow.mail.attachments import safe_filename
from ticketflow.mail.compose import new_message_id
from ticketflow.mail.identity import MailIdentity
from ticketflow.store.blobs import keep_blob
from ticketflow.store.models import Article, ArticleAttachment, RawMessage, Ticket
from ticketflow.store.uploads import FileRef
from ticketflow.tickets.articles import ArticleStatus, Direction


@dataclass(frozen=True)
class Forwarding:
    """Which article a forward sends on, to whom, with which of its files."""

    article_id: int
    to: str
    files: tuple[int, ...] | None = None  # its attachments' ids; None: all of them
    # The original message attached whole (message/rfc822, headers and all): the desk's
    # `forward_original`, for an inbound article whose raw message is kept.
    original: bool = False


class UnknownArticle(LookupError):
    """A forward of what is no mail of this ticket (or names a file it does not have)."""

    def __init__(self, article_id: int) -> None:
        super().__init__(article_id)
        self.article_id = article_id


FORWARDED_BLOCK = "---------- Forwarded message ---------"


def make_forward(
    session: Session,
    ticket: Ticket,
    article: Article,
    note: str | None,
    identity: MailIdentity,
    forwarding: Forwarding,
) -> list[FileRef]:
    """Make `article` (a draft) the forward of one of the ticket's mails, with `note`
    above it; the files it carries. UnknownArticle for what is not this ticket's mail."""
    source = session.get(Article, forwarding.article_id)
    if (
        source is None
        or source.ticket_id != ticket.id
        or source.direction == Direction.NOTE
        or source.status in (ArticleStatus.DRAFT, ArticleStatus.WITHDRAWN)
    ):
        raise UnknownArticle(forwarding.article_id)
    article.direction = Direction.OUT
    article.from_addr = identity.sender(ticket.project, ticket.queue)
    article.to_addr = forwarding.to
    tag = identity.subject_tag
    article.subject = tag.tagged(source.subject or ticket.subject, ticket.number, prefix="Fwd")
    article.body_text = forwarded_text(note, source)
    article.message_id = new_message_id(identity.domain)
    stored = list(
        session.scalars(
            select(ArticleAttachment)
            .where(
                ArticleAttachment.article_id == source.id,
                ArticleAttachment.blob_sha256.is_not(None),
            )
            .order_by(ArticleAttachment.id)
        )
    )
    if forwarding.files is not None:
        have = {f.id for f in stored}
        missing = next((i for i in forwarding.files if i not in have), None)
        if missing is not None:
            raise UnknownArticle(source.id)
        chosen = [f for f in stored if f.id in set(forwarding.files)]
    else:
        chosen = stored
    raw = session.get(RawMessage, source.raw_message_id) if source.raw_message_id else None
    if not (forwarding.original and raw is not None and source.direction == Direction.IN):
        return [FileRef.of(f) for f in chosen]
    # The original whole has its files inside: others go beside it only when chosen.
    digest = keep_blob(session, raw.raw)
    name = safe_filename(f"{source.subject or 'message'}.eml", "message/rfc822", 1)
    whole = FileRef(name, "message/rfc822", len(raw.raw), digest)
    return [whole, *(FileRef.of(f) for f in chosen if forwarding.files is not None)]


def forwarded_text(note: str | None, source: Article) -> str:
    """The agent's note above the forwarded mail, as mail programs quote one."""
    head = [
        FORWARDED_BLOCK,
        f"From: {source.from_addr}",
        f"Date: {format_datetime(source.created_at)}",
        f"Subject: {source.subject}",
        f"To: {source.to_addr}",
    ]
    if source.cc_addr:
        head.append(f"Cc: {source.cc_addr}")
    block = "\n".join(head) + "\n\n" + source.body_text
    return f"{note.strip()}\n\n{block}" if note and note.strip() else block
