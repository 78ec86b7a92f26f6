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
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from activities.merge import TICKET_WORKFLOW
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
from ticketflow.store.drafts import DraftSettings, draft_in
from ticketflow.store.models import Incident
from ticketflow.tickets.incidents import MERGED, MESSAGES, IncidentState, Phase
from ticketflow.tickets.lifecycle import Action, State
from ticketflow.tickets.numbering import workflow_id
from ticketflow.tickets.reasons import Reason

# The ticket workflow's Update for a macro (workflows.ticket), by name.
RUN_MACRO = "run_macro"
AT_ONCE = 8  # tickets asked at the same time within a batch (16: slower, bench/RESULTS.md)


Outcome = tuple[str, Reason | None]  # sent, refused (why) or skipped


@dataclasses.dataclass(frozen=True)
class Letter:
    """What a phase sends each ticket, and the steps it takes there."""

    written: Written
    mail: Action  # answer (closes), or ask before a move
    move_to: str | None


@dataclasses.dataclass(frozen=True)
class Ask:
    """A ticket to ask, with its draft and the phase's letter."""

    row: store.Waiting
    draft: int
    letter: Letter


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
        """Up to `batch.limit` waiting tickets, AT_ONCE at a time: each few's drafts stored
        in one transaction while the few before are being asked, each ticket asked through
        its workflow, every outcome recorded in one transaction at the end."""
        phase = Phase(batch.phase)
        letter, rows = await asyncio.to_thread(self._read, batch, phase)
        client = self._client or activity.client()
        outcomes: dict[int, Outcome] = {}
        ready: asyncio.Queue[Ask | None] = asyncio.Queue(maxsize=2 * AT_ONCE)

        async def prepare() -> None:
            try:
                for start in range(0, len(rows), AT_ONCE):
                    few = rows[start : start + AT_ONCE]
                    settled, asks = await asyncio.to_thread(
                        self._prepare, batch, phase, letter, few
                    )
                    outcomes.update(settled)
                    for ask in asks:
                        await ready.put(ask)
            finally:
                for _ in range(AT_ONCE):
                    await ready.put(None)  # each asker's end

        async def asker() -> None:
            while (ask := await ready.get()) is not None:
                outcomes[ask.row.ticket_id] = await self._ask(client, batch, phase, ask)
                activity.heartbeat(len(outcomes))

        async with asyncio.TaskGroup() as group:  # one failing cancels the others
            group.create_task(prepare())
            for _ in range(AT_ONCE):
                group.create_task(asker())
        left = await asyncio.to_thread(self._record, batch.incident_id, phase, outcomes)
        kinds = [outcome for outcome, _ in outcomes.values()]
        return BatchResult(
            sent=kinds.count(store.SENT), refused=kinds.count(store.REFUSED), remaining=left
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
            return letter_of(incident, phase), store.waiting(
                session, incident.id, phase, batch.limit
            )

    def _prepare(
        self, batch: IncidentBatch, phase: Phase, letter: Letter, rows: list[store.Waiting]
    ) -> tuple[dict[int, Outcome], list[Ask]]:
        """Of `rows`: those settled without asking (their outcomes), and those to ask, each
        with its draft, stored and kept on its link before it is asked (one transaction)."""
        settled: dict[int, Outcome] = {}
        asks: list[Ask] = []
        with self._sessions.begin() as session:
            for row in rows:
                found = settled_without_asking(row, phase)
                if found is not None:
                    settled[row.ticket_id] = found
                    continue
                draft = row.draft_id
                if draft is None:
                    try:  # a template that does not render fails before it adds a row
                        draft = draft_in(
                            session,
                            row.ticket_id,
                            letter.mail,
                            batch.sender.agent,
                            letter.written,
                            self._drafts,
                        )
                    except AnswerError as exc:
                        why = Reason("template-invalid", "%(reason)s", {"reason": str(exc)})
                        settled[row.ticket_id] = (store.REFUSED, why)
                        continue
                    store.keep_draft(session, batch.incident_id, row.ticket_id, phase, draft)
                asks.append(Ask(row, draft, letter))
        return settled, asks

    async def _ask(self, client: Client, batch: IncidentBatch, phase: Phase, ask: Ask) -> Outcome:
        """Ask the ticket's workflow to take its draft (one Update, once whatever the
        retries); refused, the ticket's reason."""
        sender, letter, row = batch.sender, ask.letter, ask.row
        steps = [
            ActionRequest(
                action=letter.mail, agent=sender.agent, article_id=ask.draft, rights=sender.rights
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
                return store.REFUSED, refusal_of(cause)
            raise
        return store.SENT, None

    def _record(self, incident_id: int, phase: Phase, outcomes: dict[int, Outcome]) -> int:
        """Every outcome on its link (a refused ticket's draft discarded); the tickets
        still waiting."""
        with self._sessions.begin() as session:
            for ticket_id, (outcome, reason) in outcomes.items():
                store.record(session, incident_id, ticket_id, phase, outcome, reason)
            store.discard_refused_drafts(session, incident_id, phase)
            return store.remaining(session, incident_id, phase)


def settled_without_asking(row: store.Waiting, phase: Phase) -> Outcome | None:
    """A ticket's outcome known without asking its workflow, or None."""
    if row.draft_taken:
        return store.SENT, None  # a lost attempt's Update landed
    if row.merged_into is not None:
        return store.REFUSED, Reason(MERGED, MESSAGES[MERGED], {"into": row.merged_into})
    if phase is Phase.FINAL and row.state == State.CLOSED:
        return store.SKIPPED, None  # answered and closed: the final answer is for the open
    return None


def refusal_of(refused: ApplicationError) -> Reason:
    """The ticket's reason, with its code and parameters (a face says it in the agent's
    language); a step's own, since the incident's mail is one step, or two."""
    found = Reason.of_parts(refused.details)
    if found is None:
        return Reason("transition", "%(reason)s", {"reason": refused.message})
    if found.code != "macro-step":
        return found
    why = found.params.get("why")
    step = Reason.of_parts(why) if isinstance(why, list) else None
    # From a worker before the step's reason went along: its text alone.
    return step or Reason("transition", "%(reason)s", {"reason": found.params.get("reason", "")})


def letter_of(incident: Incident, phase: Phase) -> Letter:
    """The phase's mail: a template (told the incident's title and status) or the text.
    Neither (the order's text not stored yet, or taken back): retried, never sent empty."""
    text, template = (
        (incident.answer_text, incident.answer_template)
        if phase is Phase.ANSWER
        else (incident.final_text, incident.final_template)
    )
    if not text and not template:
        raise ApplicationError(f"incident {incident.id} has no {phase.value} text")
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
