"""IncidentWorkflow: one durable workflow per incident (`incident-<id>`), which sends its
answer to all and its final answer to every linked ticket, batch by batch at the desk's
rate, through each ticket's own workflow.

Deterministic code only. What the incident may do next is `IncidentCourse`'s
(ticketflow.tickets.incidents); the tickets and what each was sent are in the read model,
where the batch activity reads and records them, so the history holds orders and counts,
never a ticket's mail. A worker that dies mid-batch loses nothing: the activity is retried,
and a ticket asked again with the same draft and Update id takes it once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from ticketflow.payloads import (
        ActivityName,
        BatchResult,
        IncidentBatch,
        IncidentCarried,
        IncidentCommand,
        IncidentInput,
        IncidentStateNow,
    )
    from ticketflow.tickets.incidents import IncidentCourse, Order, Phase, batch_plan
    from ticketflow.tickets.lifecycle import InvalidTransition
    from workflows.ticket import refusal

# A batch's tickets are asked one Update each; the activity says it is alive after each.
BATCH_TIMEOUT = timedelta(minutes=10)
BATCH_HEARTBEAT = timedelta(seconds=10)
BATCH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(30))
PROJECT_TIMEOUT = timedelta(seconds=30)
MAX_HISTORY_EVENTS = 2000


@workflow.defn(name="Incident")
class IncidentWorkflow:
    @workflow.init
    def __init__(self, input: IncidentInput) -> None:
        carried = input.carried or IncidentCarried()
        self._input = input
        self._course = IncidentCourse(
            input.incident_id,
            phase=Phase(carried.phase) if carried.phase else None,
            paused=carried.paused,
            waiting=carried.waiting,
            closed=carried.closed,
        )
        self._senders = dict(carried.senders)
        self._sent = self._refused = 0  # this run's, for the Temporal UI
        self._projected: str | None = None  # the state the read model shows
        self._orders = self._orders_projected = 0  # orders taken; those the read model shows

    @workflow.update
    async def order(self, command: IncidentCommand) -> str:
        """Answer, pause, resume, close or (tickets were linked) link: the state after,
        once the read model shows it."""
        try:
            state = self._course.give(Order(command.order))
        except InvalidTransition as err:
            raise refusal(err) from None
        if command.order in (Order.ANSWER, Order.CLOSE):
            phase = Phase.ANSWER if command.order == Order.ANSWER else Phase.FINAL
            self._senders[phase.value] = command
        self._describe()
        self._orders += 1
        mine = self._orders
        await workflow.wait_condition(
            lambda: self._is_projected() or self._orders_projected >= mine
        )
        return state.value

    @order.validator
    def validate_order(self, command: IncidentCommand) -> None:
        try:
            self._course.check(Order(command.order))
        except ValueError:
            raise ApplicationError(f"unknown order {command.order!r}") from None
        except InvalidTransition as err:
            raise refusal(err) from None

    @workflow.query
    def state(self) -> str:
        return self._course.state.value

    @workflow.run
    async def run(self, input: IncidentInput) -> None:
        size, every = batch_plan(input.rate_per_minute)
        self._describe()
        projecting = asyncio.create_task(self._project_forever())
        while not self._course.closed:
            await workflow.wait_condition(lambda: self._course.sends() or self._history_is_long())
            if self._history_is_long():
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and self._is_projected()
                )
                projecting.cancel()
                workflow.continue_as_new(dataclasses.replace(input, carried=self._carried()))
            started, links = workflow.now(), self._course.links
            phase = self._course.phase
            assert phase is not None
            result = await workflow.execute_activity(
                ActivityName.SEND_INCIDENT_BATCH,
                IncidentBatch(
                    incident_id=input.incident_id,
                    phase=phase.value,
                    sender=self._senders[phase.value],
                    limit=size,
                    ticket=input.ticket,
                    task_queue=workflow.info().task_queue,
                ),
                result_type=BatchResult,
                start_to_close_timeout=BATCH_TIMEOUT,
                heartbeat_timeout=BATCH_HEARTBEAT,
                retry_policy=BATCH_RETRY,
                summary=f"{phase.value}: up to {size} tickets",
            )
            self._sent += result.sent
            self._refused += result.refused
            if self._course.phase is phase:  # not closed meanwhile: a new phase starts anew
                self._course.batch_done(result.remaining, links)
            self._describe()
            rest = timedelta(seconds=every) - (workflow.now() - started)
            if self._course.sends() and rest > timedelta(0):
                await workflow.sleep(rest, summary="keep to the desk's rate")
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and self._is_projected()
        )
        projecting.cancel()

    async def _project_forever(self) -> None:
        """Write each new state to the read model, beside the batches (a batch may take
        seconds; a pause shows at once)."""
        while True:
            await workflow.wait_condition(lambda: not self._is_projected())
            state, orders = self._course.state.value, self._orders
            await workflow.execute_local_activity(
                ActivityName.PROJECT_INCIDENT,
                IncidentStateNow(self._input.incident_id, state),
                start_to_close_timeout=PROJECT_TIMEOUT,
                summary=state,
            )
            self._projected, self._orders_projected = state, orders

    def _is_projected(self) -> bool:
        return self._projected == self._course.state.value

    def _describe(self) -> None:
        """The Temporal UI's current details: the state and this run's counts (the
        console and the API count every ticket from the read model)."""
        course = self._course
        workflow.set_current_details(
            f"**{course.state.value}**: {self._sent} sent, {self._refused} refused"
            f" (this run); rate {self._input.rate_per_minute} a minute"
        )

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.get_current_history_length() >= MAX_HISTORY_EVENTS
            or info.is_continue_as_new_suggested()
        )

    def _carried(self) -> IncidentCarried:
        course = self._course
        return IncidentCarried(
            phase=course.phase.value if course.phase else None,
            paused=course.paused,
            waiting=course.waiting,
            closed=course.closed,
            senders=self._senders,
        )
