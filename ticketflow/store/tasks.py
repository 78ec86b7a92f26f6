"""Tickets' links to their tracker's tasks: which tickets wait on a task (a webhook tells
each), the task a note filed (filed once), a ticket's tasks for its page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketflow.store.models import Ticket, TrackerTask


def task_filed_by(session: Session, article_id: int) -> TrackerTask | None:
    return session.scalars(select(TrackerTask).where(TrackerTask.article_id == article_id)).first()


def link_task(
    session: Session, ticket: Ticket, key: str, url: str, article_id: int | None
) -> TrackerTask:
    """The ticket's link to the task (made once: a second link of the same task is it)."""
    found = session.scalars(
        select(TrackerTask).where(
            TrackerTask.project == ticket.project,
            TrackerTask.key == key,
            TrackerTask.ticket_id == ticket.id,
        )
    ).first()
    if found is not None:
        return found
    row = TrackerTask(project=ticket.project, key=key, url=url, ticket_id=ticket.id)
    row.article_id = article_id
    session.add(row)
    session.flush()
    return row


def known_task(session: Session, project: str, key: str) -> TrackerTask | None:
    """A task some ticket of the project is linked to already (its url, for another)."""
    return session.scalars(
        select(TrackerTask).where(TrackerTask.project == project, TrackerTask.key == key).limit(1)
    ).first()


def tickets_on_task(session: Session, project: str, key: str) -> list[str]:
    """The numbers of the project's tickets linked to the task."""
    return list(
        session.scalars(
            select(Ticket.number)
            .join(TrackerTask, TrackerTask.ticket_id == Ticket.id)
            .where(TrackerTask.project == project, TrackerTask.key == key)
            .order_by(Ticket.id)
        )
    )


def tasks_of(session: Session, number: str) -> list[TrackerTask]:
    """The tasks the ticket `number` is linked to, in the order they were."""
    return list(
        session.scalars(
            select(TrackerTask)
            .join(Ticket, Ticket.id == TrackerTask.ticket_id)
            .where(Ticket.number == number)
            .order_by(TrackerTask.id)
        )
    )
