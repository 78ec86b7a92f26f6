"""Outbound mail activities: the automatic reply to a new ticket and agents' mails.

Sending is once per article: the article row is written (with its Message-ID)
before delivery and marked sent after it. The Maildir outbox treats a second delivery
of the same Message-ID as the same mail. Over SMTP the article is marked `sending` just
before the server may take it (ticketflow/transport.py); a retry that finds it so does
not send again but marks it `unconfirmed`, shown to agents, since the server may or may
not have it: a duplicate to the customer is the worse error.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from jinja2 import Environment
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ticketflow.letters.answers import answer_language
from ticketflow.letters.rendering import AUTO_REPLY, WAITING_REMINDER, letter_ticket, render_letter
from ticketflow.mail.addresses import counted_sender, mailboxes
from ticketflow.mail.compose import Outgoing, OutgoingFile, compose, new_message_id
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.parse import first_address
from ticketflow.mail.transport import PermanentDeliveryError, SomeRecipientsRefused, Transport
from ticketflow.metrics import MAIL_OUT
from ticketflow.payloads import ActivityName, ArticleRef, SendResult
from ticketflow.store.db import insert_missing
from ticketflow.store.intake import mark_taken
from ticketflow.store.models import (
    Article,
    ArticleAttachment,
    AutoReplyCount,
    Blob,
    Ticket,
    utcnow,
)
from ticketflow.tickets.articles import FINAL_STATUSES, ArticleStatus, Direction

log = logging.getLogger("ticketflow.mail")

UNCONFIRMED_REASON = (
    "handed to the mail server, which did not confirm it; not sent again to avoid a duplicate:"
    " the customer may or may not have it"
)


@dataclass(frozen=True)
class MailSettings:
    identity: MailIdentity
    auto_reply_limit_per_day: int = 10


T = TypeVar("T")


class MailActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        transport: Transport,
        templates: Environment,
        settings: MailSettings,
    ) -> None:
        self._sessions = sessions
        self._transport = transport
        self._templates = templates
        self._settings = settings

    @activity.defn(name=ActivityName.SEND_AUTO_REPLY)
    def send_auto_reply(self, ref: ArticleRef) -> SendResult:
        """Acknowledge a new ticket to its customer, quoting its number; at most
        `auto_reply_limit_per_day` of these go to one address a day."""
        made = self._auto_reply_article(ref)
        if isinstance(made, Skipped):
            log.warning("no automatic reply for article %s: %s", ref.article_id, made.reason)
            MAIL_OUT.labels(kind="automatic", outcome="skipped").inc()
            return SendResult(article_id=None, sent=False, skipped=made.reason)
        return self._deliver(made, automatic=True)

    @activity.defn(name=ActivityName.SEND_ARTICLE)
    def send_article(self, ref: ArticleRef) -> SendResult:
        """Send an agent's question or answer, stored by the API as an outbound article."""
        return self._deliver(ref.article_id, automatic=False)

    def _auto_reply_article(self, ref: ArticleRef) -> int | Skipped:
        """The automatic reply's article, made once (keyed on the inbound article)."""
        key = f"auto-reply:{ref.article_id}"
        with self._sessions() as session:
            existing = session.scalar(select(Article.id).where(Article.idempotency_key == key))
            if existing is not None:
                return existing
            ticket = _get(session, Ticket, ref.ticket_id)
            inbound = _get(session, Article, ref.article_id)
            # A new ticket's message intake routed is processed: this run has it.
            mark_taken(session, inbound.id)
            if not ticket.customer:
                session.commit()
                return Skipped("no customer address")
            limit = self._settings.auto_reply_limit_per_day
            sender = counted_sender(ticket.customer)
            if not _take_auto_reply_slot(session, sender, utcnow().date(), limit):
                session.commit()
                return Skipped(f"daily limit of {limit} automatic replies to this sender reached")
            article = self._system_article(ticket, key, AUTO_REPLY, ref.queue)
            article.in_reply_to, article.references = inbound.message_id, inbound.references
            return _save_once(session, article, key)

    @activity.defn(name=ActivityName.SEND_WAITING_REMINDER)
    def send_waiting_reminder(self, ref: ArticleRef) -> SendResult:
        """Remind a customer who has not answered our question; once per waiting period
        (`ref.key`), threaded under the question."""
        assert ref.key is not None
        with self._sessions() as session:
            made = session.scalar(select(Article.id).where(Article.idempotency_key == ref.key))
            if made is None:
                ticket = _get(session, Ticket, ref.ticket_id)
                if not ticket.customer:
                    return SendResult(article_id=None, sent=False, skipped="no customer address")
                question = session.scalar(
                    select(Article)
                    .where(Article.ticket_id == ticket.id, Article.direction == Direction.OUT)
                    .order_by(Article.id.desc())
                    .limit(1)
                )
                article = self._system_article(ticket, ref.key, WAITING_REMINDER, ref.queue)
                if question is not None:
                    article.subject = question.subject
                    article.in_reply_to = question.message_id
                    article.references = (
                        " ".join(r for r in (question.references, question.in_reply_to) if r)
                        or None
                    )
                made = _save_once(session, article, ref.key)
        return self._deliver(made, automatic=True)

    def _system_article(self, ticket: Ticket, key: str, kind: str, queue: str | None) -> Article:
        """A mail of ours (not an agent's) to the ticket's customer, from its queue's address."""
        queue = queue or ticket.queue
        tag = self._settings.identity.subject_tag
        language = answer_language(ticket.language)  # the customer's, as for agents' mail
        body = render_letter(
            self._templates,
            kind,
            letter_ticket(ticket.number, ticket.subject, queue, tag),
            signature=self._settings.identity.signature(ticket.project, language),
            language=language,
        )
        return Article(
            ticket_id=ticket.id,
            direction=Direction.OUT,
            status=ArticleStatus.QUEUED,
            from_addr=self._settings.identity.sender(ticket.project, queue),
            to_addr=ticket.customer,
            subject=tag.tagged(ticket.subject, ticket.number),
            body_text=body.text,
            body_html=body.html,
            message_id=new_message_id(self._settings.identity.domain),
            author="system",
            idempotency_key=key,
        )

    def _deliver(self, article_id: int, *, automatic: bool) -> SendResult:
        # Counted where the article's status changes, so a retried activity counts once.
        kind = "automatic" if automatic else "agent"
        with self._sessions() as session:
            article = _get(session, Article, article_id)
            if article.status in FINAL_STATUSES:
                return SendResult(
                    article_id,
                    article.status == ArticleStatus.SENT,
                    article.error,
                    unconfirmed=article.status == ArticleStatus.UNCONFIRMED,
                )
            if article.status == ArticleStatus.SENDING and not self._transport.idempotent:
                # An earlier attempt handed the mail over and never heard back.
                article.status, article.error = ArticleStatus.UNCONFIRMED, UNCONFIRMED_REASON
                session.commit()
                log.warning("article %s: delivery unconfirmed, not sent again", article_id)
                MAIL_OUT.labels(kind=kind, outcome="unconfirmed").inc()
                return SendResult(article_id, False, article.error, unconfirmed=True)
            recipients = envelope_of(article)
            outgoing = Outgoing(
                from_addr=article.from_addr or self._settings.identity.from_addr,
                to_addr=article.to_addr,
                subject=article.subject,
                body_text=article.body_text,
                body_html=article.body_html,
                message_id=article.message_id or new_message_id(self._settings.identity.domain),
                in_reply_to=article.in_reply_to,
                references=article.references,
                date=article.created_at,
                automatic=automatic,
                cc_addr=article.cc_addr,
                # Our automatic mail carries no files: no look for them on the intake path.
                attachments=() if automatic else files_of(session, article_id),
            )
            try:
                if not recipients:
                    raise PermanentDeliveryError(f"no address in {article.to_addr!r}")
                message = compose(outgoing, self._settings.identity.loop_value)

                def handover() -> None:
                    article.status, article.message_id = ArticleStatus.SENDING, outgoing.message_id
                    session.commit()

                self._transport.send(message, recipients, handover)
            except (PermanentDeliveryError, ValueError) as exc:
                # Recorded on the article and shown to agents; the ticket moves on.
                article.status, article.error = ArticleStatus.FAILED, str(exc)[:1000]
                session.commit()
                MAIL_OUT.labels(kind=kind, outcome="failed").inc()
                return SendResult(article_id, sent=False, error=article.error)
            except smtplib.SMTPResponseException:
                # The server answered with a temporary refusal: it does not have the mail,
                # even if it was handed over; the retry sends it.
                article.status = ArticleStatus.QUEUED
                session.commit()
                raise
            except SomeRecipientsRefused as exc:
                # Sent to the others; the refused copies are told on the article.
                article.error = f"not delivered to some recipients: {exc}"[:1000]
            article.status, article.sent_at = ArticleStatus.SENT, utcnow()
            article.message_id = outgoing.message_id
            session.commit()
            MAIL_OUT.labels(kind=kind, outcome="sent").inc()
            return SendResult(article_id, sent=True)


def envelope_of(article: Article) -> list[str]:
    """Every recipient of an article's mail, once: To (its first address: the customer),
    then Cc and Bcc (an agent's copies)."""
    first = first_address(article.to_addr)
    copies = mailboxes(article.cc_addr or "", article.bcc_addr or "")
    return list(dict.fromkeys([first, *copies])) if first else []


def files_of(session: Session, article_id: int) -> tuple[OutgoingFile, ...]:
    """The files an agent's mail carries, from their blobs."""
    rows = session.execute(
        select(ArticleAttachment.filename, ArticleAttachment.content_type, Blob.data)
        .join(Blob, Blob.sha256 == ArticleAttachment.blob_sha256)
        .where(ArticleAttachment.article_id == article_id)
        .order_by(ArticleAttachment.id)
    ).all()
    return tuple(OutgoingFile(r.filename, r.content_type, r.data) for r in rows)


@dataclass(frozen=True)
class Skipped:
    reason: str


def _save_once(session: Session, article: Article, key: str) -> int:
    """Commit a system article made once per `key`; a concurrent attempt's wins."""
    session.add(article)
    try:
        session.commit()
    except IntegrityError:
        # A concurrent attempt made it first: use its article.
        session.rollback()
        made = session.scalar(select(Article.id).where(Article.idempotency_key == key))
        if made is None:
            raise
        return made
    return article.id


def _take_auto_reply_slot(session: Session, address: str, day: date, limit: int) -> bool:
    """Count one automatic reply to `address` on `day` unless `limit` is reached. In the
    caller's transaction, so the count and the reply's article commit together."""
    if limit <= 0:
        return False
    # The day's count first, made by whichever of two concurrent first replies to one
    # sender comes first, with no conflict: a unique violation's text, which the retry's
    # log would show, names the address.
    day_count = {"address": address, "day": day, "count": 0}
    insert_missing(session, AutoReplyCount, day_count, ["address", "day"])
    taken = session.execute(
        update(AutoReplyCount)
        .where(
            AutoReplyCount.address == address,
            AutoReplyCount.day == day,
            AutoReplyCount.count < limit,
        )
        .values(count=AutoReplyCount.count + 1)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def _get(session: Session, model: type[T], ident: int) -> T:
    row = session.get(model, ident)
    if row is None:
        raise ApplicationError(f"no {model.__name__} {ident}", non_retryable=True)
    return row
