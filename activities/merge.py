"""Merging a ticket into another: its mail moved there, and that ticket told."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from ticketflow.components import Components
from ticketflow.engine.tickets import tell_merged, ticket_client
from ticketflow.payloads import ActivityName, MergedIn, MergeRef
from ticketflow.store.merges import move_mail

log = logging.getLogger("ticketflow.activities.merge")


class MergeActivities:
    def __init__(self, components: Components, client: Client | None = None) -> None:
        self._components = components
        self._client = client  # tests give one; the worker's own otherwise

    @activity.defn(name=ActivityName.MERGE_INTO)
    async def merge_into(self, ref: MergeRef) -> None:
        """Move the merged ticket's mail under the other ticket, then tell that one (its
        history records the merge). Both steps are idempotent: a retry repeats them."""
        moved = await asyncio.to_thread(_move, self._components.sessions, ref)
        if moved:
            log.info("ticket %s merged into %s: %d articles moved", ref.source, ref.into, moved)
        client = ticket_client(self._client or activity.client(), self._components, ref.project)
        await tell_merged(
            client, self._components.settings, ref.into, MergedIn(ref.source, ref.agent)
        )


def _move(sessions: sessionmaker[Session], ref: MergeRef) -> int:
    with sessions.begin() as session:
        try:
            return move_mail(session, ref.source_id, ref.into)
        except LookupError as exc:
            raise ApplicationError(str(exc), non_retryable=True) from exc
