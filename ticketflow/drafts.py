"""Agent texts (notes, questions, answers) stored before the workflow is asked.

The workflow gets only the article id (claim check). A draft the workflow
refuses is deleted; one it accepts becomes a saved note or a queued mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.compose import new_message_id
from ticketflow.letters import AGENT_MAIL, letter_ticket, render_letter
from ticketflow.lifecycle import MAIL_ACTIONS, Action
from ticketflow.models import Article, Ticket, utcnow
from ticketflow.numbering import DEFAULT_TAG, SubjectTag

DRAFT = "draft"


@dataclass(frozen=True)
class DraftSettings:
    from_addr: str
    domain: str
    templates: Environment
    subject_tag: SubjectTag = DEFAULT_TAG
    # Queue name -> the address its mail comes from; others use from_addr.
    senders: dict[str, str] = field(default_factory=dict)


def create_draft(
    sessions: sessionmaker[Session],
    ticket_id: int,
    action: Action,
    agent: str,
    text: str,
    settings: DraftSettings,
) -> int:
    with sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        article = Article(
            ticket_id=ticket.id,
            direction="note",
            status=DRAFT,
            body_text=text,
            author=agent,
            created_at=utcnow(),
        )
        if action in MAIL_ACTIONS:
            _address_reply(session, article, ticket, settings)
            ticket_view = letter_ticket(
                ticket.number, ticket.subject, ticket.queue, settings.subject_tag
            )
            body = render_letter(settings.templates, AGENT_MAIL, ticket_view, text=text)
            article.body_text, article.body_html = body.text, body.html
        session.add(article)
        session.flush()
        return article.id


def _address_reply(
    session: Session, article: Article, ticket: Ticket, settings: DraftSettings
) -> None:
    """Make the article a mail to the customer that threads under their last message."""
    last_in = session.scalar(
        select(Article)
        .where(Article.ticket_id == ticket.id, Article.direction == "in")
        .order_by(Article.id.desc())
        .limit(1)
    )
    article.direction = "out"
    article.from_addr = settings.senders.get(ticket.queue, settings.from_addr)
    article.to_addr = ticket.customer
    subject = last_in.subject if last_in else ticket.subject
    article.subject = settings.subject_tag.tagged(subject, ticket.number)
    article.message_id = new_message_id(settings.domain)
    if last_in is not None:
        article.in_reply_to = last_in.message_id
        article.references = last_in.references


def discard_draft(sessions: sessionmaker[Session], article_id: int) -> None:
    with sessions.begin() as session:
        session.execute(delete(Article).where(Article.id == article_id, Article.status == DRAFT))
