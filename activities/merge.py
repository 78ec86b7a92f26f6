"""Merging a ticket into another: its mail moved there, and that ticket told."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from ticketflow.payloads import ActivityName, MergedIn, MergeRef
from ticketflow.store.merges import move_mail
from ticketflow.tickets.numbering import workflow_id

log = logging.getLogger("ticketflow.activities.merge")
# The ticket workflow's type and its signal for a merge (workflows.ticket), by name: an
# activity does not import workflow code.
TICKET_WORKFLOW, MERGED_IN_SIGNAL = "Ticket", "merged_in"


class MergeActivities:
    def __init__(self, sessions: sessionmaker[Session], client: Client | None = None) -> None:
        self._sessions = sessions
        self._client = client  # tests may give one; the worker's own otherwise

    @activity.defn(name=ActivityName.MERGE_INTO)
    async def merge_into(self, ref: MergeRef) -> None:
        """Move the merged ticket's mail under the other ticket, then tell that one
        (signal-with-start: a ticket whose run has ended starts one, which loads it). Both
        steps are idempotent: a retry repeats them, and the other ticket records a merge
        once."""
        moved = await asyncio.to_thread(_move, self._sessions, ref)
        if moved:
            log.info("ticket %s merged into %s: %d articles moved", ref.source, ref.into, moved)
        client = self._client or activity.client()
        await client.start_workflow(
            TICKET_WORKFLOW,
            ref.start,
            id=workflow_id(ref.into),
            task_queue=ref.task_queue,
            start_signal=MERGED_IN_SIGNAL,
            start_signal_args=[MergedIn(ref.source, ref.agent)],
            static_summary=ref.summary,
        )


def _move(sessions: sessionmaker[Session], ref: MergeRef) -> int:
    with sessions.begin() as session:
        try:
            return move_mail(session, ref.source_id, ref.into)
        except LookupError as exc:
            raise ApplicationError(str(exc), non_retryable=True) from exc
