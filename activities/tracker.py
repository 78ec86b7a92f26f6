"""The tracker activities: file a task from an agent's note (once per note: a retry finds
the task it filed), or find an existing one to link; ask how a task stands. They answer
what the tracker said (unavailable, unknown) instead of failing, so a ticket's workflow
decides what an agent is told."""

from __future__ import annotations

import logging
import os

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from ticketflow.desk.projects import Projects
from ticketflow.desk.tracker import TrackerConfig
from ticketflow.payloads import ActivityName, TaskFiling, TaskPoll, TaskState
from ticketflow.store.models import Article, Ticket
from ticketflow.store.tasks import link_task, task_filed_by
from ticketflow.trackers.calls import TaskUnknown, TrackerUnavailable
from ticketflow.trackers.tracker import Tracker, tracker_for

log = logging.getLogger("ticketflow.activities.tracker")


class TrackerActivities:
    def __init__(self, sessions: sessionmaker[Session], projects: Projects) -> None:
        self._sessions, self._projects = sessions, projects

    def _tracker(self, project: str) -> tuple[TrackerConfig, Tracker]:
        config = self._projects.desk(project).tracker
        if config is None:
            raise TrackerUnavailable(f"project {project} has no tracker")
        token = os.environ.get(config.token_env, "")
        if not token:
            raise TrackerUnavailable(f"no token in ${config.token_env}")
        return config, tracker_for(config, token)

    @activity.defn(name=ActivityName.FILE_TASK)
    def file_task(self, filing: TaskFiling) -> TaskState:
        with self._sessions.begin() as session:
            ticket = session.get(Ticket, filing.ticket_id)
            assert ticket is not None
            try:
                return self._file(session, ticket, filing)
            except TaskUnknown:
                return TaskState(filing.existing or "", unknown=True)
            except TrackerUnavailable as exc:
                log.warning("ticket %s: tracker unavailable: %s", ticket.id, exc)
                return TaskState(filing.existing or "", unavailable=str(exc)[:200])

    def _file(self, session: Session, ticket: Ticket, filing: TaskFiling) -> TaskState:
        config, tracker = self._tracker(ticket.project)
        if filing.existing:
            standing = tracker.standing(filing.existing)
            link_task(session, ticket, filing.existing, standing.url, None)
            return TaskState(filing.existing, standing.closed, standing.comments)
        assert filing.article_id is not None
        filed = task_filed_by(session, filing.article_id)
        if filed is not None:  # a retry: the task this note filed
            return TaskState(filed.key)
        note = session.get(Article, filing.article_id)
        assert note is not None
        summary, _, text = note.body_text.partition("\n")
        link = config.ticket_url.format(number=ticket.number)
        description = f"{text.strip()}\n\nTicket {ticket.number}: {link}".strip()
        made = tracker.file(summary.strip()[:250], description)
        link_task(session, ticket, made.key, made.url, filing.article_id)
        log.info("ticket %s: task %s filed", ticket.id, made.key)
        return TaskState(made.key)

    @activity.defn(name=ActivityName.POLL_TASK)
    def poll_task(self, poll: TaskPoll) -> TaskState:
        with self._sessions() as session:
            project = session.get(Ticket, poll.ticket_id).project  # type: ignore[union-attr]
        try:
            _, tracker = self._tracker(project)
            standing = tracker.standing(poll.key)
        except TaskUnknown:
            return TaskState(poll.key, unknown=True)
        except TrackerUnavailable as exc:
            return TaskState(poll.key, unavailable=str(exc)[:200])
        return TaskState(poll.key, standing.closed, standing.comments)
