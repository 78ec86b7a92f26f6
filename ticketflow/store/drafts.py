"""Agent texts (notes, questions, answers) stored before the workflow is asked.

The workflow gets only the article id (claim check). A draft the workflow
refuses is deleted; one it accepts becomes a saved note or a queued mail.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from ticketflow.mail.compose import new_message_id
from ticketflow.mail.identity import MailIdentity
from ticketflow.store.models import Article, Ticket, utcnow
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.lifecycle import MAIL_ACTIONS, Action


@dataclass(frozen=True)
class DraftSettings:
    identity: MailIdentity
    templates: Environment


def create_draft(
    sessions: sessionmaker[Session],
    ticket_id: int,
    action: Action,
    agent: str,
    written: Written,
    settings: DraftSettings,
) -> int:
    """Store the note, or the mail as the customer will get it; raises AnswerError for a
    template that does not exist or does not render."""
    with sessions.begin() as session:
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
        if action in MAIL_ACTIONS:
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
        session.add(article)
        session.flush()
        return article.id


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
        session.execute(
            delete(Article).where(Article.id == article_id, Article.status == ArticleStatus.DRAFT)
        )
