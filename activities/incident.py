"""An incident's mail, one batch at a time: each waiting ticket asked through its own
workflow (an Update running the incident's answer as a one-step macro), and the outcome
recorded on its link.

Exactly once, though a worker may die anywhere: the draft is stored on the link before
the ticket is asked, and the Update has an id of the incident, phase and ticket. A retry
asks again with both, which the ticket's run takes once; a draft its workflow accepted
already counts as sent without asking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from ticketflow.letters.answers import AnswerError, Written
from ticketflow.payloads import (
    ActionRequest,
    ActivityName,
    BatchResult,
    IncidentBatch,
    IncidentStateNow,
    MacroRequest,
)
from ticketflow.store import incidents as store
from ticketflow.store.drafts import DraftSettings, create_draft, discard_draft
from ticketflow.store.models import Incident
from ticketflow.tickets.incidents import MERGED, MESSAGES, IncidentState, Phase
from ticketflow.tickets.lifecycle import Action, State
from ticketflow.tickets.numbering import workflow_id
from ticketflow.tickets.reasons import Reason

log = logging.getLogger("ticketflow.activities.incident")
# The ticket workflow's type and its Update for a macro (workflows.ticket), by name.
TICKET_WORKFLOW, RUN_MACRO = "Ticket", "run_macro"
AT_ONCE = 8  # tickets asked at the same time within a batch


@dataclasses.dataclass(frozen=True)
class Letter:
    """What a phase sends each ticket, and the steps it takes there."""

    written: Written
    mail: Action  # answer (closes), or ask before a move
    move_to: str | None


class IncidentActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        drafts: DraftSettings,
        client: Client | None = None,
    ) -> None:
        self._sessions = sessions
        self._drafts = drafts
        self._client = client  # tests may give one; the worker's own otherwise

    @activity.defn(name=ActivityName.SEND_INCIDENT_BATCH)
    async def send_incident_batch(self, batch: IncidentBatch) -> BatchResult:
        phase = Phase(batch.phase)
        letter, rows = await asyncio.to_thread(self._read, batch, phase)
        client = self._client or activity.client()
        gate = asyncio.Semaphore(AT_ONCE)
        outcomes: list[str] = []

        async def one(row: store.Waiting) -> None:
            async with gate:
                outcome = await self._send_one(client, batch, phase, letter, row)
            outcomes.append(outcome)
            activity.heartbeat(len(outcomes))

        await asyncio.gather(*(one(row) for row in rows))
        left = await asyncio.to_thread(self._remaining, batch.incident_id, phase)
        return BatchResult(
            sent=outcomes.count(store.SENT), refused=outcomes.count(store.REFUSED), remaining=left
        )

    @activity.defn(name=ActivityName.PROJECT_INCIDENT)
    def project_incident(self, now: IncidentStateNow) -> None:
        """The incident's state, as its workflow decided it, for the faces to read."""
        with self._sessions.begin() as session:
            store.set_state(session, now.incident_id, IncidentState(now.state))

    def _read(self, batch: IncidentBatch, phase: Phase) -> tuple[Letter, list[store.Waiting]]:
        with self._sessions() as session:
            incident = session.get(Incident, batch.incident_id)
            if incident is None:
                raise ApplicationError(f"no incident {batch.incident_id}", non_retryable=True)
            rows = store.waiting(session, incident.id, phase, batch.limit)
            return letter_of(incident, phase), rows

    async def _send_one(
        self,
        client: Client,
        batch: IncidentBatch,
        phase: Phase,
        letter: Letter,
        row: store.Waiting,
    ) -> str:
        """Ask one ticket; the outcome, recorded on its link."""
        outcome, reason = await self._ask(client, batch, phase, letter, row)
        await asyncio.to_thread(
            self._record, batch.incident_id, row.ticket_id, phase, outcome, reason
        )
        return outcome

    async def _ask(
        self,
        client: Client,
        batch: IncidentBatch,
        phase: Phase,
        letter: Letter,
        row: store.Waiting,
    ) -> tuple[str, Reason | None]:
        if row.draft_taken:
            return store.SENT, None  # a lost attempt's Update landed
        if row.merged_into is not None:
            return store.REFUSED, Reason(MERGED, MESSAGES[MERGED], {"into": row.merged_into})
        if phase is Phase.FINAL and row.state == State.CLOSED:
            return store.SKIPPED, None  # answered and closed: the final answer is for the open
        sender = batch.sender
        draft = row.draft_id
        if draft is None:
            try:
                draft = await asyncio.to_thread(self._draft, batch, phase, letter, row)
            except AnswerError as exc:
                return store.REFUSED, Reason("template-invalid", "%(reason)s", {"reason": str(exc)})
        steps = [
            ActionRequest(
                action=letter.mail, agent=sender.agent, article_id=draft, rights=sender.rights
            )
        ]
        if letter.move_to is not None:
            steps.append(
                ActionRequest(
                    action=Action.MOVE,
                    agent=sender.agent,
                    queue=letter.move_to,
                    rights=sender.rights,
                )
            )
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            TICKET_WORKFLOW,
            dataclasses.replace(batch.ticket, number=row.number),
            id=workflow_id(row.number),
            task_queue=batch.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        try:
            await client.execute_update_with_start_workflow(
                RUN_MACRO,
                MacroRequest(name=f"incident {batch.incident_id}", agent=sender.agent, steps=steps),
                start_workflow_operation=start,
                id=f"incident-{batch.incident_id}-{phase.value}-{row.ticket_id}",
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidTransition":
                await asyncio.to_thread(discard_draft, self._sessions, draft)
                return store.REFUSED, refusal_of(cause)
            raise
        return store.SENT, None

    def _draft(self, batch: IncidentBatch, phase: Phase, letter: Letter, row: store.Waiting) -> int:
        """The ticket's mail, rendered in its language and kept on its link first."""
        draft = create_draft(
            self._sessions,
            row.ticket_id,
            letter.mail,
            batch.sender.agent,
            letter.written,
            self._drafts,
        )
        with self._sessions.begin() as session:
            store.keep_draft(session, batch.incident_id, row.ticket_id, phase, draft)
        return draft

    def _record(
        self,
        incident_id: int,
        ticket_id: int,
        phase: Phase,
        outcome: str,
        reason: Reason | None,
    ) -> None:
        with self._sessions.begin() as session:
            store.record(session, incident_id, ticket_id, phase, outcome, reason)

    def _remaining(self, incident_id: int, phase: Phase) -> int:
        with self._sessions() as session:
            return store.remaining(session, incident_id, phase)


def refusal_of(refused: ApplicationError) -> Reason:
    """The ticket's reason, with its code and parameters (a face says it in the agent's
    language); a step's own, since the incident's mail is one step, or two."""
    details = refused.details
    if len(details) == 3 and isinstance(details[2], dict):
        code, message, params = str(details[0]), str(details[1]), details[2]
        if code == "macro-step":  # the step's own reason, as the workflow said it
            return Reason("transition", "%(reason)s", {"reason": params.get("reason", "")})
        return Reason(code, message, params)
    return Reason("transition", "%(reason)s", {"reason": refused.message})


def letter_of(incident: Incident, phase: Phase) -> Letter:
    """The phase's mail: a template (told the incident's title and status) or the text."""
    values = (("incident", incident.title), ("status", incident.status_text))
    if phase is Phase.ANSWER:
        written = Written(
            text=incident.answer_text, template=incident.answer_template, values=values
        )
        return Letter(written, Action.ANSWER, None)
    written = Written(text=incident.final_text, template=incident.final_template, values=values)
    if incident.close_queue:
        return Letter(written, Action.ASK, incident.close_queue)
    return Letter(written, Action.ANSWER, None)
