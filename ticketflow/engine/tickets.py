"""How the API reaches ticket workflows: signal-with-start for mail, update-with-start for agents.

Both start a new run when the ticket's workflow has completed (after its reopen
window), so a late reply or action finds the ticket as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from ticketflow.components import Components
from ticketflow.desk.macros import TEXT_STEPS, MacroConfig
from ticketflow.letters.answers import AnswerError, Written
from ticketflow.payloads import (
    ActionRequest,
    CustomerMessage,
    MacroRequest,
    TaskEvent,
    TicketFacts,
    TicketInput,
    TicketStatus,
    UndoRequest,
)
from ticketflow.settings import Settings
from ticketflow.store.drafts import MailExtras, create_draft, discard_draft
from ticketflow.store.macro_uses import count_macro_use
from ticketflow.tickets import sla
from ticketflow.tickets.lifecycle import Action, InvalidTransition
from ticketflow.tickets.numbering import workflow_id
from ticketflow.tickets.reasons import Reason
from workflows.describe import start_details, start_summary
from workflows.search_attributes import at_start, ticket_attributes
from workflows.ticket import RULES, TicketWorkflow

U = TypeVar("U")


class TemporalUnavailable(Exception):
    """The ticket's workflow could not be reached (Temporal down or unreachable)."""


def ticket_input(
    settings: Settings, number: str, new_ticket: TicketFacts | None = None
) -> TicketInput:
    return TicketInput(
        number=number,
        reopen_window_seconds=settings.reopen_window.total_seconds(),
        max_history_events=settings.max_history_events,
        carried=new_ticket,
        rules=RULES,
    )


async def start_ticket_run(
    client: Client, settings: Settings, number: str, facts: TicketFacts | None = None
) -> bool:
    """Start a ticket's run, unless one is running (False then). With `facts`, those of a
    ticket intake has just made and taken the first step of: the run starts from them,
    showing the ticket in the Temporal UI from its start. Without, the run loads the
    ticket from the read model (a ticket intake left `routed`)."""
    attributes = None
    if facts is not None:
        clocks = facts.timers.clocks
        escalation = sla.escalation_at(clocks) if clocks else None
        attributes = at_start(ticket_attributes(number, facts, escalation))
    try:
        await client.start_workflow(
            TicketWorkflow.run,
            ticket_input(settings, number, facts),
            id=workflow_id(number),
            task_queue=settings.task_queue,
            search_attributes=attributes,
            static_summary=start_summary(number, facts),
            static_details=start_details(number, facts),
        )
    except WorkflowAlreadyStartedError:
        return False
    return True


async def has_taken(client: Client, number: str, article_id: int) -> bool:
    """Whether the ticket's running run has taken the article in (False while it has not
    loaded the ticket yet, or no run answers)."""
    handle = client.get_workflow_handle(workflow_id(number))
    try:
        return await handle.query(TicketWorkflow.taken, article_id)
    except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError):
        return False


async def deliver_customer_message(
    client: Client,
    settings: Settings,
    number: str,
    article_id: int,
    warning: str | None = None,
    forwarded_by: str | None = None,
) -> None:
    """Signal-with-start; `warning` and the colleague who forwarded it go into the
    ticket's history with the article."""
    message = CustomerMessage(article_id=article_id, warning=warning, forwarded_by=forwarded_by)
    await client.start_workflow(
        TicketWorkflow.run,
        ticket_input(settings, number),
        id=workflow_id(number),
        task_queue=settings.task_queue,
        start_signal="customer_message",
        start_signal_args=[message],
        static_summary=start_summary(number, None),
    )


async def tell_task_event(client: Client, number: str, event: TaskEvent) -> bool:
    """The tracker's word on a task, to a ticket waiting on it; False when the ticket's
    workflow has ended (a closed ticket past its reopen window waits on nothing)."""
    handle = client.get_workflow_handle(workflow_id(number))
    try:
        await handle.signal(TicketWorkflow.task_event, event)
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return False
        raise TemporalUnavailable(str(exc)) from exc
    return True


def ticket_client(client: Client, components: Components, project: str) -> Client:
    """The client of the namespace where the project's ticket workflows live (`client`
    itself unless the project has a namespace of its own)."""
    namespace = components.projects.namespace_of(project)
    if namespace is None:
        return client
    return in_namespace(client, namespace)


@lru_cache(maxsize=64)
def in_namespace(client: Client, namespace: str) -> Client:
    """`client`'s connection, in `namespace` (a client is a namespace over a connection)."""
    if namespace == client.namespace:
        return client
    config = client.config()
    config["namespace"] = namespace
    return Client(**config)


async def run_action(
    client: Client, settings: Settings, number: str, request: ActionRequest
) -> TicketStatus:
    """Run an agent action as an Update; raises InvalidTransition when the workflow refuses it."""
    return await _update(client, settings, number, TicketWorkflow.act, request)


async def _update(
    client: Client,
    settings: Settings,
    number: str,
    update: UpdateMethodMultiParam[[TicketWorkflow, U], TicketStatus],
    argument: U,
    update_id: str | None = None,
) -> TicketStatus:
    """An Update of the ticket's workflow, starting a new run if none is open; Updates
    with one `update_id` run once."""
    start = WithStartWorkflowOperation(
        TicketWorkflow.run,
        ticket_input(settings, number),
        id=workflow_id(number),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=start_summary(number, None),
    )
    with updates_refused():
        return await client.execute_update_with_start_workflow(
            update, argument, start_workflow_operation=start, id=update_id
        )


@contextmanager
def updates_refused() -> Iterator[None]:
    """An Update's failure as the engine's callers take it: the workflow's refusal as
    InvalidTransition (with its reason), Temporal out of reach as TemporalUnavailable."""
    try:
        yield
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "InvalidTransition":
            raise InvalidTransition(refusal_reason(cause)) from err
        raise
    except (RPCError, RuntimeError) as exc:
        raise TemporalUnavailable(str(exc)) from exc


def refusal_reason(refusal: ApplicationError) -> Reason | str:
    """The workflow's refusal with its code, message and parameters where it sent them."""
    return Reason.of_parts(refusal.details) or refusal.message


async def undo_action(
    components: Components, client: Client, ticket: TicketRef, agent: str, action_id: int
) -> TicketStatus:
    """Undo one of `agent`'s recent actions on the ticket, once however often it is asked
    (one Update id per action and agent); raises InvalidTransition when it may not be undone."""
    return await _update(
        ticket_client(client, components, ticket.project),
        components.settings,
        ticket.number,
        TicketWorkflow.undo,
        UndoRequest(agent=agent, action_id=action_id),
        update_id=f"undo-{action_id}-{agent}",
    )


async def run_macro(
    components: Components,
    client: Client,
    ticket: TicketRef,
    agent: str,
    macro: MacroConfig,
    rights: dict[str, list[str]] | None = None,
) -> TicketStatus:
    """Run a macro as one Update: its texts are stored as drafts first; if the workflow
    refuses any step, nothing changes and the drafts go. Each step carries the agent's
    `rights`. Raises InvalidTransition naming the step, or AnswerError for a template that
    does not render."""
    steps: list[ActionRequest] = []
    drafts: list[int] = []
    try:
        for step in macro.steps:
            request = ActionRequest(
                action=step.action,
                agent=agent,
                queue=step.queue,
                priority=step.priority,
                reason=step.reason,
                rights=rights,
            )
            if step.action in TEXT_STEPS:
                written = Written(text=step.text, template=step.template)
                request.article_id = await asyncio.to_thread(
                    create_draft,
                    components.sessions,
                    ticket.id,
                    Action(step.action),
                    agent,
                    written,
                    components.draft_settings,
                )
                drafts.append(request.article_id)
            steps.append(request)
        status = await _update(
            ticket_client(client, components, ticket.project),
            components.settings,
            ticket.number,
            TicketWorkflow.run_macro,
            MacroRequest(name=macro.name, agent=agent, steps=steps),
        )
    except (InvalidTransition, AnswerError):
        for article_id in drafts:
            await asyncio.to_thread(discard_draft, components.sessions, article_id)
        raise
    await asyncio.to_thread(count_macro_use, components.sessions, agent, macro.name)
    return status


async def perform_action(
    components: Components,
    client: Client,
    ticket: TicketRef,
    request: ActionRequest,
    text: str | Written | None = None,
    extras: MailExtras | None = None,
) -> TicketStatus:
    """Run an agent action; its text (or template), with its mail's copies and files, is
    stored first and the Update carries only its id.

    Raises InvalidTransition with the reason when the ticket refuses the action, and
    AnswerError for a template that does not exist or does not render.
    """
    settings = components.settings
    written = Written(text=text) if isinstance(text, str) else text
    if written is not None:
        request.article_id = await asyncio.to_thread(
            create_draft,
            components.sessions,
            ticket.id,
            Action(request.action),
            request.agent,
            written,
            components.draft_settings,
            extras,
        )
    try:
        project_client = ticket_client(client, components, ticket.project)
        return await run_action(project_client, settings, ticket.number, request)
    except InvalidTransition:
        # Refused for certain: the draft will never be sent. On any other failure the
        # Update may have landed, so the draft stays (unaccepted drafts are never shown).
        if request.article_id is not None:
            await asyncio.to_thread(discard_draft, components.sessions, request.article_id)
        raise


@dataclass(frozen=True)
class TicketRef:
    id: int
    number: str
    queue: str = ""  # as the read model has it: where the agent's rights are looked up
    project: str = ""  # whose desk the queue is of
