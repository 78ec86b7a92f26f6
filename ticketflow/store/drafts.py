"""Agent texts (notes, questions, answers) stored before the workflow is asked.

The workflow gets only the article id (claim check). A draft the workflow
refuses is deleted; one it accepts becomes a saved note or a queued mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from jinja2 import Environment
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.letters.answers import (
    Quote,
    Written,
    answer_language,
    compose_agent_mail,
    customer_of,
)
from ticketflow.letters.rendering import LetterBody, letter_ticket
from ticketflow.mail.addresses import mailboxes
from ticketflow.mail.compose import new_message_id
from ticketflow.mail.identity import MailIdentity
from ticketflow.store.forward_drafts import Forwarding, make_forward
from ticketflow.store.models import Article, ArticleAttachment, Ticket, utcnow
from ticketflow.store.uploads import FileRef, attach, uploads_of
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.lifecycle import MAIL_ACTIONS, Action


@dataclass(frozen=True)
class DraftSettings:
    identity: MailIdentity
    templates: Environment
    # The files of one agent's mail together, at most: its encoded size stays within the
    # size of mail the desk takes in (base64 adds a third).
    max_files_bytes: int = 18 * 1024 * 1024


@dataclass(frozen=True)
class MailExtras:
    """What an agent's mail carries besides its text: copies and files."""

    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    # Copy everyone the customer's last mail was also sent to (but us and the customer).
    reply_all: bool = False
    uploads: tuple[int, ...] = ()  # the agent's uploads on the ticket (ticketflow.store.uploads)
    forward: Forwarding | None = None


class FilesTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def create_draft(
    sessions: sessionmaker[Session],
    ticket_id: int,
    action: Action,
    agent: str,
    written: Written,
    settings: DraftSettings,
    extras: MailExtras | None = None,
) -> int:
    """Store the note, or the mail as its recipients will get it (with its copies and
    files); raises AnswerError for a template that does not exist or does not render,
    UnknownUpload for a file that is not the agent's on this ticket, UnknownArticle for
    a forward of what is not this ticket's mail, FilesTooLarge past the desk's limit."""
    with sessions.begin() as session:
        return draft_in(session, ticket_id, action, agent, written, settings, extras)


def draft_in(
    session: Session,
    ticket_id: int,
    action: Action,
    agent: str,
    written: Written,
    settings: DraftSettings,
    extras: MailExtras | None = None,
) -> int:
    """create_draft within the caller's transaction (many drafts in one)."""
    extras = extras or MailExtras()
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    article = Article(
        ticket_id=ticket.id,
        direction=Direction.NOTE,
        status=ArticleStatus.DRAFT,
        body_text=written.text or "",
        author=agent,
        created_at=utcnow(),
    )
    files: list[FileRef] = []
    leave_out = set(settings.identity.addresses) | {ticket.customer.lower()}
    if action is Action.FORWARD and extras.forward is not None:
        files = make_forward(
            session, ticket, article, written.text, settings.identity, extras.forward
        )
    elif action in MAIL_ACTIONS:
        mail = agent_mail(session, ticket, agent, written, settings)
        article.direction = Direction.OUT
        article.from_addr = settings.identity.sender(ticket.project, ticket.queue)
        article.to_addr = ticket.customer
        article.subject = mail.subject
        article.body_text, article.body_html = mail.body.text, mail.body.html
        article.message_id = new_message_id(settings.identity.domain)
        if mail.last_in is not None:
            article.in_reply_to = mail.last_in.message_id
            article.references = mail.last_in.references
        if extras.reply_all:
            extras = replace(extras, cc=(*extras.cc, *copied_on(mail.last_in)))
    if article.direction == Direction.OUT:
        leave_out |= set(mailboxes(article.to_addr))
        article.cc_addr = joined(extras.cc, leave_out)
        article.bcc_addr = joined(extras.bcc, leave_out | set(mailboxes(article.cc_addr or "")))
        files += [FileRef.of(u) for u in uploads_of(session, ticket.id, agent, extras.uploads)]
        total = sum(f.size for f in files)
        if total > settings.max_files_bytes:
            raise FilesTooLarge(settings.max_files_bytes)
    session.add(article)
    session.flush()
    attach(session, article.id, files)
    return article.id


def copied_on(last_in: Article | None) -> list[str]:
    """Everyone the customer's mail went to besides him: its To and Cc."""
    if last_in is None:
        return []
    return mailboxes(last_in.to_addr, last_in.cc_addr or "")


def joined(addresses: Iterable[str], leave_out: Iterable[str]) -> str | None:
    """An address field's value: each address once, none of `leave_out`; None if empty."""
    skip = {a.lower() for a in leave_out}
    kept = [a for a in dict.fromkeys(a.lower() for a in addresses) if a not in skip]
    return ", ".join(kept)[:2000] or None


@dataclass(frozen=True)
class AgentMail:
    subject: str
    body: LetterBody
    language: str
    last_in: Article | None  # the customer's message it answers


def agent_mail(
    session: Session, ticket: Ticket, agent: str, written: Written, settings: DraftSettings
) -> AgentMail:
    """An agent's mail to the ticket's customer, under their last message, quoting it."""
    last_in = session.scalar(
        select(Article)
        .where(Article.ticket_id == ticket.id, Article.direction == Direction.IN)
        .order_by(Article.id.desc())
        .limit(1)
    )
    subject = last_in.subject if last_in else ticket.subject
    quote = (
        Quote(author=last_in.from_addr, date=last_in.created_at, text=last_in.body_text)
        if last_in is not None and last_in.body_text.strip()
        else None
    )
    language = answer_language(ticket.language)
    body = compose_agent_mail(
        settings.templates,
        letter_ticket(ticket.number, ticket.subject, ticket.queue, settings.identity.subject_tag),
        written,
        customer=customer_of(last_in.from_addr if last_in else "", ticket.customer),
        agent=agent,
        language=language,
        quote=quote,
        signature=settings.identity.signature(ticket.project, language),
    )
    return AgentMail(
        settings.identity.subject_tag.tagged(subject, ticket.number), body, language, last_in
    )


def preview_mail(
    sessions: sessionmaker[Session],
    ticket_id: int,
    agent: str,
    written: Written,
    settings: DraftSettings,
) -> AgentMail:
    """The mail as the customer would get it, stored nowhere."""
    with sessions() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return agent_mail(session, ticket, agent, written, settings)


def discard_draft(sessions: sessionmaker[Session], article_id: int) -> None:
    with sessions.begin() as session:
        drafted = select(Article.id).where(
            Article.id == article_id, Article.status == ArticleStatus.DRAFT
        )
        session.execute(delete(ArticleAttachment).where(ArticleAttachment.article_id.in_(drafted)))
        session.execute(
            delete(Article).where(Article.id == article_id, Article.status == ArticleStatus.DRAFT)
        )
