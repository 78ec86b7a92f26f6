"""TicketWorkflow: one durable workflow per ticket, the source of truth for its lifecycle.

Deterministic code only; every side effect is an activity, called by name. The ticket's
state and every decision over it live in `TicketRun` (workflows/ticket_state.py); this
class is the ticket's life in Temporal's terms: messages and agents' Updates come in, the
main loop takes them in, fires what fell due, routes a new ticket, sends mail, projects the
changes to the read model, keeps the reopen window and continues-as-new before history
grows large.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from ticketflow.payloads import (
        ActionRequest,
        ActivityName,
        ArticleRef,
        CustomerMessage,
        EscalationNotice,
        MacroRequest,
        MailKind,
        MergedIn,
        MergeRef,
        OutboundMail,
        Route,
        TaskEvent,
        TicketFacts,
        TicketInput,
        TicketStatus,
        UndoRequest,
    )
    from ticketflow.tickets import lifecycle
    from ticketflow.tickets.history import EventName, failed
    from ticketflow.tickets.lifecycle import Action, InvalidTransition, State
    from ticketflow.tickets.undo import Undoable
    from workflows import describe, outbound, passwords, tracking
    from workflows.alarm import Alarm
    from workflows.search_attributes import already_set, ticket_attributes
    from workflows.ticket_state import TicketRun, intake_notes

LOCAL_TIMEOUT = timedelta(seconds=30)
# Moving a merged ticket's mail (one statement) and telling the other ticket.
MERGE_TIMEOUT = timedelta(seconds=60)
# Runs begun before escalation timers had another main loop; none is left anywhere (the
# timers came before any installation), so the marker stays but its old branch is gone.
TIMERS_PATCH = "escalation-timers"
# A new ticket's first step takes its first message alone (see run()).
FIRST_STEP_PATCH = "first-step-alone"
# An owned ticket is its owner's alone (ticketflow.tickets.lifecycle.OWNER_ACTIONS).
ONE_OWNER_PATCH = "one-owner"
# An owner who does nothing loses the ticket, a reopen may release him, and who writes
# to the customer owns the ticket (TicketRun).
OWNER_TIMEOUT_PATCH = "owner-timeout"
# An agent may undo an action within the desk's window; his mail waits it out (TicketRun).
UNDO_PATCH = "undo-window"
# Patches whose old branch still runs for tickets begun before them (the replay net keeps
# histories of both sides), and those whose old branch is gone (deprecate_patch).
PATCHES = (FIRST_STEP_PATCH, ONE_OWNER_PATCH, OWNER_TIMEOUT_PATCH, UNDO_PATCH)
RETIRED_PATCHES = (TIMERS_PATCH,)
# The rules a new run starts under (TicketInput.rules): 1, every patch above applied.
# Asking `workflow.patched` records a marker and an upsert of TemporalChangeVersion in
# the history, five pairs for a new ticket (ten of its twenty events); a run started
# under these rules asks for none. A patch added later is asked for as usual, and RULES
# rises when its old branch is retired.
RULES = 1
# Outbound webhooks give up after this many attempts (the history says so); the
# supervisors' mail, like all mail, does not.
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=8,
)


@workflow.defn(name="Ticket")
class TicketWorkflow:
    @workflow.init
    def __init__(self, input: TicketInput) -> None:
        self._input = input
        self._run: TicketRun | None = None  # once the ticket is loaded
        self._early_inbox: list[int] = []  # messages signalled before that
        # What intake said of a message (a warning, who forwarded it), as the history
        # entries [(name, detail)] recorded when it is taken in.
        self._intake_notes: dict[int, list[tuple[str, str]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # mail and notices in flight
        self._task_events: list[TaskEvent] = []  # the tracker's words, not yet taken in
        self._merged_in: list[MergedIn] = []  # tickets merged into this one, not yet taken in
        self._merged_sources: set[str] = set()  # those taken in (a retried signal once)
        self._merged_into: str | None = None  # this ticket merged into another: its run ends
        self._alarm = Alarm()

    @property
    def _ticket(self) -> TicketRun:
        assert self._run is not None, "used before the ticket was loaded"
        return self._run

    # --- what comes in: customer mail, agents' actions and macros ----------------------

    @workflow.signal
    def customer_message(self, message: CustomerMessage) -> None:
        inbox = self._run.inbox if self._run is not None else self._early_inbox
        inbox.append(message.article_id)
        said = intake_notes(message)
        if said:
            self._intake_notes[message.article_id] = said

    @workflow.update
    async def act(self, request: ActionRequest) -> TicketStatus:
        # An update may arrive with the start, before the ticket is loaded.
        await workflow.wait_condition(lambda: self._run is not None)
        run, now = self._ticket, workflow.now()
        task = None  # the tracker's task a file-task filed or found
        try:
            after = run.decide(request, now)
            if request.action in passwords.CONSULTING:
                # The directory is asked first; the ticket may change meanwhile.
                request = await passwords.consult(run.facts, request)
                now = workflow.now()
                after = run.decide(request, now)
            elif request.action == Action.FILE_TASK:
                request, task = await tracking.file(run.facts, request)
                now = workflow.now()
                after = run.decide(request, now)
        except InvalidTransition as err:
            raise refusal(err, non_retryable=True) from None
        action_id, before = run.before_action()
        version = run.apply(request.agent, Action(request.action), after, request, now)
        if task is not None and run.facts.task is not None:
            run.facts.task.comments = task.comments  # those it had when linked
        offer = run.offer_undo(action_id, before, request.action, request.agent, [request], now)
        if request.action == Action.MERGE and request.into:
            self._merged_into = request.into
            self._start(self._merge(request.agent, request.into))
        return await self._answer_once_projected(version, action_id, offer)

    @workflow.signal
    def task_event(self, event: TaskEvent) -> None:
        """The tracker's word on a task (its webhook): taken in by the main loop."""
        self._task_events.append(event)

    @workflow.signal
    def merged_in(self, merged: MergedIn) -> None:
        """Another ticket was merged into this one (its mail is here now)."""
        self._merged_in.append(merged)

    @act.validator
    def validate_act(self, request: ActionRequest) -> None:
        if request.action not in lifecycle.AGENT_ACTIONS:
            raise ApplicationError(f"unknown action {request.action!r}", type="InvalidTransition")
        if self._run is not None:
            try:
                self._run.decide(request, workflow.now())
            except InvalidTransition as err:
                raise refusal(err) from None

    @workflow.update
    async def run_macro(self, request: MacroRequest) -> TicketStatus:
        """Apply every step of a macro, or none: each is checked before any is applied."""
        await workflow.wait_condition(lambda: self._run is not None)
        run, now = self._ticket, workflow.now()
        try:
            run.plan(request.steps)
        except InvalidTransition as err:
            raise refusal(err, non_retryable=True) from None
        action_id, before = run.before_action()
        run.record(request.agent, EventName.MACRO, run.ticket, run.ticket, request.name, None, now)
        version = 0
        for step in request.steps:
            after = run.decide(step, now)
            version = run.apply(request.agent, Action(step.action), after, step, now)
        offer = run.offer_undo(action_id, before, request.name, request.agent, request.steps, now)
        return await self._answer_once_projected(version, action_id, offer)

    @run_macro.validator
    def validate_run_macro(self, request: MacroRequest) -> None:
        if any(step.action not in lifecycle.AGENT_ACTIONS for step in request.steps):
            raise ApplicationError("a macro step is no agent action", type="InvalidTransition")
        if self._run is not None:
            try:
                self._run.plan(request.steps)
            except InvalidTransition as err:
                raise refusal(err) from None

    @workflow.update
    async def undo(self, request: UndoRequest) -> TicketStatus:
        """Put the ticket back as it was before one of the agent's own recent actions."""
        await workflow.wait_condition(lambda: self._run is not None)
        try:
            version = self._ticket.undo(request, workflow.now())
        except InvalidTransition as err:
            raise refusal(err, non_retryable=True) from None
        return await self._answer_once_projected(version)

    @undo.validator
    def validate_undo(self, request: UndoRequest) -> None:
        if self._run is not None:
            try:
                self._run.decide_undo(request, workflow.now())
            except InvalidTransition as err:
                raise refusal(err) from None

    async def _answer_once_projected(
        self, version: int, action_id: int | None = None, offer: Undoable | None = None
    ) -> TicketStatus:
        # Answer only once the read model shows the change: the agent's next read agrees.
        status = self._ticket.status(action_id, offer)
        await workflow.wait_condition(lambda: self._ticket.projected >= version)
        return status

    @workflow.query
    def status(self) -> TicketStatus | None:
        return self._run.status() if self._run is not None else None

    @workflow.query
    def taken(self, article_id: int) -> bool:
        """Whether this run has the customer's message (the sweep asks of a new ticket's
        first message, before it marks it processed)."""
        return self._run is not None and article_id in self._run.facts.carry.seen_articles

    # --- the ticket's life ---------------------------------------------------------------

    @workflow.run
    async def run(self, input: TicketInput) -> None:
        facts = input.carried or await workflow.execute_local_activity(
            ActivityName.LOAD_TICKET,
            input.number,
            result_type=TicketFacts,
            start_to_close_timeout=LOCAL_TIMEOUT,
            summary="load the ticket",
        )
        if input.rules < RULES:
            workflow.deprecate_patch(TIMERS_PATCH)
        self._run = run = TicketRun.restore(input.number, facts, self._early_inbox)
        # A run of a ticket merged before it began (a reply raced the merge): like the
        # merged run itself, it takes in no mail (the sweep moves it to the other ticket)
        # and ends. None in every run before merges: their histories replay as they ran.
        self._merged_into = facts.merged_into
        run.one_owner = self._patched(ONE_OWNER_PATCH)
        run.owner_timeout = self._patched(OWNER_TIMEOUT_PATCH)
        run.undoable = self._patched(UNDO_PATCH)
        self._index_at_start()
        self._describe()
        while True:
            if not await self._wait_for_work():
                # The reopen window is over; finish once mail in flight is settled.
                await workflow.wait_condition(
                    lambda: not self._tasks and workflow.all_handlers_finished()
                )
                if not self._has_work():
                    break
            self._take_task_news()
            self._take_merged()
            if self._history_is_long():
                await self._continue_as_new()
            now = workflow.now()
            if self._merged_into is not None:
                # Merged: a message signalled here in the meantime is the other ticket's
                # now (its article moved there, or intake sends it there); left unread
                # here, the sweep delivers it to that ticket's run.
                pass
            elif run.state is State.RECEIVED and self._patched(FIRST_STEP_PATCH):
                # The first step's events are written by a local activity before its
                # workflow task completes. Should that task be lost (its worker killed),
                # the retry sees every message that arrived meanwhile; taking the first
                # one alone, then routing, numbers the events as the lost attempt did,
                # so the read model's history is the same whichever attempt wrote it.
                run.take_inbox(now, self._intake_notes, at_most=1)
            else:
                run.take_inbox(now, self._intake_notes)
            for notice in run.fire_timers(now):
                self._start(self._tell(notice))
            if run.state is State.RECEIVED:
                await self._route_new_ticket()
            # Mail goes out while the projection is written: they do not depend on each other.
            self._start_sends()
            await self._flush()
        await workflow.wait_condition(workflow.all_handlers_finished)

    def _patched(self, patch: str) -> bool:
        """Whether the run follows `patch`: always under the current rules (no marker)."""
        return self._input.rules >= RULES or workflow.patched(patch)

    async def _wait_for_work(self) -> bool:
        """Wait for work; False once the reopen window of a closed, quiet ticket is over."""
        self._alarm.set(self._wake_at(), self._wake_summary)
        await workflow.wait_condition(lambda: self._has_work() or self._window_over())
        return self._has_work()

    def _has_work(self) -> bool:
        run = self._ticket
        return bool(
            (run.inbox and self._merged_into is None)
            or self._task_events
            or self._merged_in
            or run.outbound
            or run.pending_projection
            or run.state is State.RECEIVED
            or self._history_is_long()
            or run.timer_due(workflow.now())
        )

    def _wake_at(self) -> datetime | None:
        wake = [t for t in (self._ticket.next_timer(), self._window_end()) if t is not None]
        return min(wake, default=None)

    def _wake_summary(self, at: datetime) -> str:
        run = self._ticket
        lapse = run.owner_lapses_at()
        return describe.wake_summary(run.facts, run.policy, at, self._window_end(), lapse)

    def _describe(self) -> None:
        """The Temporal UI's current details of this ticket."""
        run = self._ticket
        workflow.set_current_details(
            describe.current_details(run.facts, run.policy, self._window_end())
        )

    def _window_end(self) -> datetime | None:
        return self._ticket.window_end(timedelta(seconds=self._input.reopen_window_seconds))

    def _window_over(self) -> bool:
        if self._merged_into is not None:
            return True  # merged: no reopen window, its mail goes to the other ticket
        # Once the alarm has rung: a run that starts past the window (a late agent note)
        # still waits a moment for mail on its way, as a timeout would.
        end = self._window_end()
        return end is not None and end <= workflow.now() and self._alarm.rung

    def _take_task_news(self) -> None:
        """The tracker's words on the task the ticket waits on; a poll started when due."""
        run, now = self._ticket, workflow.now()
        while self._task_events:
            run.take_task_event(self._task_events.pop(0), now)
        key = run.task_poll_due(now)
        if key is not None:
            self._start(self._poll_task(key))

    def _take_merged(self) -> None:
        """Tickets merged into this one: each recorded once in its history."""
        while self._merged_in:
            merged = self._merged_in.pop(0)
            if merged.source not in self._merged_sources:
                self._merged_sources.add(merged.source)
                self._ticket.take_merged(merged, workflow.now())

    async def _merge(self, agent: str, into: str) -> None:
        """Move this ticket's mail under `into` and tell that ticket (retried until done:
        this ticket is closed already, and its later mail goes there)."""
        # The other ticket's run, if it has none, starts as a loaded one would.
        start = dataclasses.replace(self._input, number=into, carried=None, rules=RULES)
        ref = MergeRef(
            source_id=self._ticket.facts.ticket_id,
            source=self._input.number,
            into=into,
            agent=agent,
            start=start,
            task_queue=workflow.info().task_queue,
            summary=describe.start_summary(into, None),
        )
        await workflow.execute_activity(
            ActivityName.MERGE_INTO,
            ref,
            start_to_close_timeout=MERGE_TIMEOUT,
            summary=f"merge into {into}",
        )

    async def _poll_task(self, key: str) -> None:
        state = await tracking.poll(self._ticket.facts, key)
        event = self._ticket.task_seen(state)
        if event is not None:
            self._ticket.take_task_event(event, workflow.now())

    async def _route_new_ticket(self) -> None:
        run = self._ticket
        facts = run.facts
        article_id = facts.first_article_id or (run.accepted[0] if run.accepted else 0)
        route = facts.route
        if route is None:
            route = await workflow.execute_local_activity(
                ActivityName.ROUTE,
                ArticleRef(ticket_id=facts.ticket_id, article_id=article_id),
                result_type=Route,
                start_to_close_timeout=LOCAL_TIMEOUT,
                summary="route the new ticket",
            )
        run.route_new(route, article_id, workflow.now())

    async def _flush(self) -> None:
        """Write every change made since the last flush, in one projection."""
        run = self._ticket
        if run.search_dirty:
            self._upsert_search_attributes()
        if not run.pending_projection:
            return
        projection = run.projection(workflow.now())
        await workflow.execute_local_activity(
            ActivityName.PROJECT,
            projection,
            start_to_close_timeout=LOCAL_TIMEOUT,
            summary=describe.projection_summary([e.action for e in projection.events]),
        )
        self._describe()
        run.projected = max(run.projected, projection.version)

    # --- mail and notices, beside the main loop ----------------------------------------

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        """Mail and notices run beside the main loop; the run ends only once they are done."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_sends(self) -> None:
        outgoing = self._ticket.outbound
        while outgoing:
            self._start(self._send(outgoing.pop(0)))

    async def _send(self, mail: OutboundMail) -> None:
        run = self._ticket
        if mail.hold_until is not None:
            # Held for the undo window: a durable timer, so a worker's restart neither
            # sends it early nor forgets it.
            wait = mail.hold_until - workflow.now()
            if wait > timedelta(0):
                await workflow.sleep(wait, summary="hold the mail for undo")
            if not run.release_held(mail.article_id):
                return  # undone: never sent
        facts = run.facts
        ref = ArticleRef(facts.ticket_id, mail.article_id, queue=facts.ticket.queue)
        if mail.kind is MailKind.WAITING_REMINDER:
            ref.key = f"{mail.kind.value}:{facts.ticket_id}:{facts.timers.waiting_since}"
        try:
            result = await outbound.send(mail, ref)
        except ActivityError as err:
            # Only non-retryable failures get here; the ticket must not be stuck on them.
            detail = str(err.cause or err)[:1000]
            run.note(EventName.MAIL_FAILED, detail, mail.article_id, workflow.now())
            return
        if mail.kind is MailKind.WAITING_REMINDER and result.article_id is not None:
            run.note(EventName.WAITING_REMINDER, None, result.article_id, workflow.now())
        found = outbound.outcome(mail, result)
        if found is not None:
            run.note(found.name, found.detail, found.article_id, workflow.now())

    async def _tell(self, notice: EscalationNotice) -> None:
        """Tell supervisors (mail) or another system (webhook) of a warning or breach."""
        try:
            if notice.action == "webhook":
                await workflow.execute_activity(
                    ActivityName.CALL_WEBHOOK,
                    notice,
                    start_to_close_timeout=outbound.SEND_TIMEOUT,
                    retry_policy=WEBHOOK_RETRY,
                    summary=describe.notice_summary(notice),
                )
                return
            skipped = await workflow.execute_activity(
                ActivityName.NOTIFY_SUPERVISORS,
                notice,
                start_to_close_timeout=outbound.SEND_TIMEOUT,
                retry_policy=outbound.SEND_RETRY,
                summary=describe.notice_summary(notice),
            )
        except ActivityError as err:
            detail = str(err.cause or err)[:1000]
            self._ticket.note(failed(notice.action), detail, None, workflow.now())
            return
        if skipped:
            self._ticket.note(EventName.NOTIFY_SKIPPED, skipped, None, workflow.now())

    # --- continue-as-new -----------------------------------------------------------------

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.get_current_history_length() >= self._input.max_history_events
            or info.is_continue_as_new_suggested()
        )

    def _settled(self) -> bool:
        return (
            not self._tasks
            and not self._ticket.pending_projection
            and workflow.all_handlers_finished()
        )

    async def _continue_as_new(self) -> None:
        """Hand over to a new run without waiting for a quiet moment, which a stream of
        messages (a mail loop) may never give: new messages and queued mail are carried
        over as ids; only what is already in flight finishes here."""
        while not self._settled():
            await self._flush()
            await workflow.wait_condition(
                lambda: self._ticket.pending_projection or self._settled()
            )
        carried = self._ticket.carry_over()
        # The next run is a new history: it starts under the current rules.
        workflow.continue_as_new(dataclasses.replace(self._input, carried=carried, rules=RULES))

    def _upsert_search_attributes(self) -> None:
        run = self._ticket
        updates = ticket_attributes(self._input.number, run.facts, run.escalation_at())
        workflow.upsert_search_attributes(updates)
        run.search_dirty = False

    def _index_at_start(self) -> None:
        """Show the ticket in the Temporal UI, unless it was started showing it already
        (intake starts a new ticket with its attributes: no upsert event). Runs started
        under older rules upserted at their start whatever they held, and still do."""
        run = self._ticket
        updates = ticket_attributes(self._input.number, run.facts, run.escalation_at())
        current = workflow.info().typed_search_attributes
        if self._input.rules < RULES or not already_set(current, updates):
            workflow.upsert_search_attributes(updates)


def refusal(err: InvalidTransition, non_retryable: bool = False) -> ApplicationError:
    """The lifecycle's refusal as the caller receives it: its reason, and (as details) its
    code, message and parameters, so a face can say it in the agent's language."""
    return ApplicationError(
        err.reason, *err.why.parts(), type="InvalidTransition", non_retryable=non_retryable
    )
