"""The ticket workflow's tracker steps: before a file-task is recorded, the task is filed
(or the existing one found) by an activity; a ticket waiting on a task asks about it now
and then where the desk polls. Only the task's key, its state and its comment count pass
through history; the agent's words stay in his note (claim check)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from ticketflow.payloads import (
        ActionRequest,
        ActivityName,
        TaskFiling,
        TaskPoll,
        TaskState,
        TicketFacts,
    )
    from ticketflow.tickets import lifecycle

# An agent waits on filing: a few quick attempts, then "try again shortly".
TRACKER_TIMEOUT = timedelta(seconds=30)
TRACKER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3
)


async def file(facts: TicketFacts, request: ActionRequest) -> tuple[ActionRequest, TaskState]:
    """The request as recorded once the task is filed or found (its key as the detail);
    InvalidTransition when the tracker did not answer or has no such task."""
    try:
        state: TaskState = await workflow.execute_activity(
            ActivityName.FILE_TASK,
            TaskFiling(facts.ticket_id, request.article_id, request.task),
            result_type=TaskState,
            start_to_close_timeout=TRACKER_TIMEOUT,
            retry_policy=TRACKER_RETRY,
            summary="link an existing task" if request.task else "file a task in the tracker",
        )
    except ActivityError:
        raise lifecycle.refused("tracker-unavailable") from None
    if state.unknown:
        raise lifecycle.refused("task-unknown", task=request.task or "")
    if state.unavailable:
        raise lifecycle.refused("tracker-unavailable")
    return dataclasses.replace(request, task=state.key, reason=state.key), state


async def poll(facts: TicketFacts, key: str) -> TaskState:
    """How the task stands now (unavailable: asked again at the next poll)."""
    try:
        state: TaskState = await workflow.execute_activity(
            ActivityName.POLL_TASK,
            TaskPoll(facts.ticket_id, key),
            result_type=TaskState,
            start_to_close_timeout=TRACKER_TIMEOUT,
            retry_policy=TRACKER_RETRY,
            summary=f"ask the tracker about task {key}",
        )
    except ActivityError as err:
        return TaskState(key, unavailable=str(err.cause or err)[:200])
    return state
