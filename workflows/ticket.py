"""TicketWorkflow: one durable workflow per ticket, the source of truth for its lifecycle.

Deterministic code only. The lifecycle rules come from `ticketflow.tickets.lifecycle`;
every side effect (SQL, mail) is an activity. Handlers change state at once and
the main loop projects the changes to the read model in batches, sends mail,
keeps the reopen window and continues-as-new before history grows large.
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
    from activities.escalation import EscalationActivities
    from activities.mail import MailActivities
    from activities.store import StoreActivities
    from ticketflow.payloads import (
        ActionRequest,
        ArticleRef,
        CustomerMessage,
        EscalationNotice,
        HistoryEntry,
        MacroRequest,
        Projection,
        TicketFacts,
        TicketInput,
        TicketStatus,
    )
    from ticketflow.tickets import lifecycle, sla
    from ticketflow.tickets import timers as ticket_timers
    from ticketflow.tickets.lifecycle import Action, InvalidTransition, State
    from workflows.search_attributes import (
        TICKET_ESCALATION_AT,
        TICKET_NUMBER,
        TICKET_OWNER,
        TICKET_PRIORITY,
        TICKET_QUEUE,
        TICKET_STATE,
    )

LOCAL_TIMEOUT = timedelta(seconds=30)
SEND_TIMEOUT = timedelta(minutes=2)
LOCAL_SEND_TIMEOUT = timedelta(seconds=30)
# Unlimited attempts: a mail server that is down delays mail, it does not lose it.
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
)
# Enough to drop a redelivered signal for an article already taken in.
SEEN_ARTICLES_KEPT = 200
SYSTEM, CUSTOMER = "system", "customer"
AUTO_REPLY_SKIPPED = "auto-reply-skipped"
WAITING_REMINDER = "waiting-reminder"
TIMERS_PATCH = "escalation-timers"
# Outbound webhooks give up after this many attempts (the history says so); the
# supervisors' mail, like all mail, does not.
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=8,
)
DEFAULT_POLICY = sla.DeskPolicy()


@workflow.defn(name="Ticket")
class TicketWorkflow:
    @workflow.init
    def __init__(self, input: TicketInput) -> None:
        self._input = input
        self._facts: TicketFacts | None = None
        self._ticket: lifecycle.Ticket | None = None
        self._inbox: list[int] = []
        self._events: list[HistoryEntry] = []
        self._accepted: list[int] = []
        self._sends: list[tuple[str, int]] = []
        self._send_tasks: set[asyncio.Task[None]] = set()
        self._projected = 0
        self._search_dirty = False
        self._timers_on = False
        self._alarm: asyncio.Task[None] | None = None
        self._alarm_at: datetime | None = None

    # --- handlers -------------------------------------------------------------------

    @workflow.signal
    def customer_message(self, message: CustomerMessage) -> None:
        self._inbox.append(message.article_id)

    @workflow.update
    async def act(self, request: ActionRequest) -> TicketStatus:
        # An update may arrive with the start, before the ticket is loaded.
        await workflow.wait_condition(lambda: self._ticket is not None)
        try:
            after = self._decide(request)
        except InvalidTransition as err:
            raise ApplicationError(
                err.reason, type="InvalidTransition", non_retryable=True
            ) from None
        version = self._apply(request.agent, Action(request.action), after, request)
        status = self._status()
        # Answer only once the read model shows the change: the agent's next read agrees.
        await workflow.wait_condition(lambda: self._projected >= version)
        return status

    @act.validator
    def validate_act(self, request: ActionRequest) -> None:
        if request.action not in lifecycle.AGENT_ACTIONS:
            raise ApplicationError(f"unknown action {request.action!r}", type="InvalidTransition")
        if self._ticket is not None:
            try:
                self._decide(request)
            except InvalidTransition as err:
                raise ApplicationError(err.reason, type="InvalidTransition") from None

    @workflow.update
    async def run_macro(self, request: MacroRequest) -> TicketStatus:
        """Apply every step of a macro, or none: each is checked before any is applied."""
        await workflow.wait_condition(lambda: self._ticket is not None)
        assert self._ticket is not None
        try:
            self._plan(request.steps)
        except InvalidTransition as err:
            raise ApplicationError(
                err.reason, type="InvalidTransition", non_retryable=True
            ) from None
        self._record(
            request.agent, "macro", self._ticket, self._ticket, request.name, None, workflow.now()
        )
        version = 0
        for step in request.steps:
            version = self._apply(request.agent, Action(step.action), self._decide(step), step)
        status = self._status()
        await workflow.wait_condition(lambda: self._projected >= version)
        return status

    @run_macro.validator
    def validate_run_macro(self, request: MacroRequest) -> None:
        if any(step.action not in lifecycle.AGENT_ACTIONS for step in request.steps):
            raise ApplicationError("a macro step is no agent action", type="InvalidTransition")
        if self._ticket is not None:
            try:
                self._plan(request.steps)
            except InvalidTransition as err:
                raise ApplicationError(err.reason, type="InvalidTransition") from None

    def _plan(self, steps: list[ActionRequest]) -> None:
        """Raise InvalidTransition, naming the step, if any step would be refused."""
        assert self._ticket is not None and self._facts is not None
        requests = [self._lifecycle_request(step) for step in steps]
        lifecycle.decide_all(self._ticket, requests, self._facts.lines)

    @workflow.query
    def status(self) -> TicketStatus | None:
        return self._status() if self._ticket is not None else None

    # --- main loop ------------------------------------------------------------------

    @workflow.run
    async def run(self, input: TicketInput) -> None:
        if input.carried is None:
            facts = await workflow.execute_local_activity_method(
                StoreActivities.load_ticket, input.number, start_to_close_timeout=LOCAL_TIMEOUT
            )
        else:
            facts = input.carried
        # Runs begun before escalation timers existed replay without them.
        self._timers_on = workflow.patched(TIMERS_PATCH)
        self._restore(facts)
        self._upsert_search_attributes()
        while True:
            if not await self._wait_for_work():
                # The reopen window is over; finish once mail in flight is settled.
                await workflow.wait_condition(
                    lambda: not self._send_tasks and workflow.all_handlers_finished()
                )
                if not self._has_work():
                    break
            if self._history_is_long():
                await self._continue_as_new()
            self._take_inbox()
            self._fire_timers()
            if self._ticket_state() is State.RECEIVED:
                await self._route_new_ticket()
            # Mail goes out while the projection is written: they do not depend on each other.
            self._start_sends()
            await self._flush()
        await workflow.wait_condition(workflow.all_handlers_finished)

    async def _wait_for_work(self) -> bool:
        """Wait for work; False once the reopen window of a closed, quiet ticket is over."""
        if not self._timers_on:
            # Runs begun before the alarm: their histories wait with a timeout each time.
            try:
                await workflow.wait_condition(self._has_work, timeout=self._idle_timeout())
            except TimeoutError:
                return self._has_work()
            return True
        self._set_alarm()
        await workflow.wait_condition(lambda: self._has_work() or self._window_over())
        return self._has_work()

    def _set_alarm(self) -> None:
        """One durable timer for the next moment something falls due, moved only when that
        moment moves: a timeout on every wait would add two history events per wait."""
        at = self._wake_at()
        if at == self._alarm_at:
            return
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm_at, self._alarm = at, None
        if at is not None:
            self._alarm = asyncio.create_task(
                workflow.sleep(max(at - workflow.now(), timedelta(seconds=1)))
            )

    def _wake_at(self) -> datetime | None:
        wake = [t for t in (self._next_timer(), self._window_end()) if t is not None]
        return min(wake, default=None)

    def _window_over(self) -> bool:
        # Once the alarm has rung: a run that starts past the window (a late agent note)
        # still waits a moment for mail on its way, as a timeout would.
        end = self._window_end()
        rung = self._alarm is None or self._alarm.done()
        return end is not None and end <= workflow.now() and rung

    def _has_work(self) -> bool:
        return bool(
            self._inbox
            or self._sends
            or self._pending_projection()
            or self._ticket_state() is State.RECEIVED
            or self._history_is_long()
            or self._timer_due()
        )

    def _idle_timeout(self) -> timedelta | None:
        """Until the end of the reopen window (runs begun before escalation timers)."""
        end = self._window_end()
        return max(end - workflow.now(), timedelta(seconds=1)) if end else None

    def _window_end(self) -> datetime | None:
        closed_at = self._facts.closed_at if self._facts else None
        if self._ticket_state() is not State.CLOSED or closed_at is None:
            return None
        return closed_at + timedelta(seconds=self._input.reopen_window_seconds)

    def _take_inbox(self) -> None:
        assert self._facts is not None
        seen = self._facts.seen_articles
        while self._inbox:
            article_id = self._inbox.pop(0)
            if article_id in seen:
                continue  # a redelivered signal
            seen.append(article_id)
            del seen[:-SEEN_ARTICLES_KEPT]
            request = ActionRequest(
                action=Action.CUSTOMER_MESSAGE, agent=CUSTOMER, article_id=article_id
            )
            self._apply(CUSTOMER, Action.CUSTOMER_MESSAGE, self._decide(request), request)

    async def _route_new_ticket(self) -> None:
        assert self._facts is not None
        article_id = self._facts.first_article_id or (self._accepted[0] if self._accepted else 0)
        route = self._facts.route
        if route is None:
            ref = ArticleRef(ticket_id=self._facts.ticket_id, article_id=article_id)
            route = await workflow.execute_local_activity_method(
                StoreActivities.route, ref, start_to_close_timeout=LOCAL_TIMEOUT
            )
        request = ActionRequest(action=Action.ROUTE, agent=SYSTEM, queue=route.queue)
        self._apply(SYSTEM, Action.ROUTE, self._decide(request), request)
        if route.priority is not None and self._ticket and route.priority != self._ticket.priority:
            self._system_action(Action.PRIORITY, priority=route.priority)
        if route.close_reason is not None:
            self._system_action(Action.CLOSE, reason=route.close_reason)
        if not article_id:
            return
        if route.no_auto_reply:
            self._note_event(AUTO_REPLY_SKIPPED, route.no_auto_reply, article_id)
        else:
            self._sends.append(("auto-reply", article_id))

    async def _flush(self) -> None:
        """Write every change made since the last flush, in one projection."""
        assert self._facts is not None and self._ticket is not None
        if self._search_dirty:
            self._upsert_search_attributes()
        if not self._pending_projection():
            return
        facts, ticket = self._facts, self._ticket
        projection = Projection(
            ticket_id=facts.ticket_id,
            version=facts.version,
            state=ticket.state.value,
            queue=ticket.queue,
            owner=ticket.owner,
            priority=ticket.priority,
            reply_queue=ticket.reply_queue,
            pending_since=facts.pending_since,
            updated_at=workflow.now(),
            events=self._events,
            accepted_articles=self._accepted,
            escalation_at=sla.escalation_at(facts.clocks) if facts.clocks else None,
        )
        self._events, self._accepted = [], []
        await workflow.execute_local_activity_method(
            StoreActivities.project, projection, start_to_close_timeout=LOCAL_TIMEOUT
        )
        self._projected = max(self._projected, projection.version)

    def _start_sends(self) -> None:
        while self._sends:
            kind, article_id = self._sends.pop(0)
            self._start_task(self._send(kind, article_id))

    def _start_task(self, work: Coroutine[Any, Any, None]) -> None:
        """Mail and notices run beside the main loop; the run ends only once they are done."""
        task = asyncio.create_task(work)
        self._send_tasks.add(task)
        task.add_done_callback(self._send_tasks.discard)

    async def _send(self, kind: str, article_id: int) -> None:
        assert self._facts is not None and self._ticket is not None
        ref = ArticleRef(self._facts.ticket_id, article_id, queue=self._ticket.queue)
        try:
            if kind == WAITING_REMINDER:
                facts = self._facts
                ref.key = f"{WAITING_REMINDER}:{facts.ticket_id}:{facts.waiting_since}"
                result = await workflow.execute_activity_method(
                    MailActivities.send_waiting_reminder,
                    ref,
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                )
                if result.article_id is not None:
                    self._note_event(WAITING_REMINDER, None, result.article_id)
            elif kind == "auto-reply":
                # On the intake hot path: a local activity saves an activity task and a
                # workflow task per ticket (bench/intake.py). Safe to re-run: the reply
                # article is keyed on the inbound article and sent once by Message-ID.
                result = await workflow.execute_local_activity_method(
                    MailActivities.send_auto_reply,
                    ref,
                    start_to_close_timeout=LOCAL_SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                )
            else:
                result = await workflow.execute_activity_method(
                    MailActivities.send_article,
                    ref,
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                )
        except ActivityError as err:
            # Only non-retryable failures get here; the ticket must not be stuck on them.
            self._note_event("mail-failed", str(err.cause or err)[:1000], article_id)
            return
        if result.skipped:
            skipped = (
                f"{WAITING_REMINDER}-skipped" if kind == WAITING_REMINDER else AUTO_REPLY_SKIPPED
            )
            self._note_event(skipped, result.skipped, article_id)
        elif result.unconfirmed and result.article_id is not None:
            self._note_event("mail-unconfirmed", None, result.article_id)
        elif result.error and result.article_id is not None:
            self._note_event("mail-failed", result.error[:1000], result.article_id)

    # --- timers: escalation clocks, waiting tickets, agents' reminders ----------------

    def _policy(self) -> sla.DeskPolicy:
        text = self._facts.policy if self._facts else None
        return sla.policy_from_json(text) if text else DEFAULT_POLICY

    def _next_timer(self) -> datetime | None:
        if self._facts is None or self._ticket is None or not self._timers_on:
            return None
        return ticket_timers.next_timer(self._facts, self._policy().queue(self._ticket.queue))

    def _timer_due(self) -> bool:
        when = self._next_timer()
        return when is not None and when <= workflow.now()

    def _fire_timers(self) -> None:
        assert self._facts is not None and self._ticket is not None
        if not self._timers_on:
            return
        facts, now = self._facts, workflow.now()
        for due in sla.due(facts.clocks, now) if facts.clocks else []:
            self._escalate(due)
        queue = self._policy().queue(self._ticket.queue)
        reminder_at, close_at = ticket_timers.waiting_times(facts, queue)
        if reminder_at is not None and reminder_at <= now:
            facts.waiting_reminded = True
            self._sends.append((WAITING_REMINDER, 0))
        if close_at is not None and close_at <= now:
            days = round((close_at - (facts.waiting_since or close_at)).total_seconds() / 86400, 1)
            self._system_action(Action.CLOSE, reason=f"no reply from the customer in {days:g} days")
        if facts.remind_at is not None and facts.remind_at <= now:
            agent, facts.remind_at, facts.remind_agent = facts.remind_agent, None, None
            self._system_action(Action.REMINDER, agent=agent or SYSTEM)

    def _escalate(self, due: sla.Due) -> None:
        assert self._ticket is not None and self._facts is not None
        detail = f"{due.clock} due {due.deadline.isoformat(timespec='minutes')}"
        self._note_event(f"sla-{due.kind}", detail, None)
        # Notices name the queue whose promise was missed, even after a move step.
        queue = self._ticket.queue
        policy = self._policy().sla_for(queue)
        steps = []
        if policy is not None:
            steps = policy.on_warning if due.kind == sla.WARNING else policy.on_breach
        for step in steps:
            if step.action == "raise-priority":
                if self._ticket.priority < lifecycle.MAX_PRIORITY:
                    self._system_action(Action.PRIORITY, priority=self._ticket.priority + 1)
            elif step.action == "move":
                if step.queue != self._ticket.queue:
                    self._system_action(Action.MOVE, queue=step.queue)
            else:
                notice = EscalationNotice(
                    ticket_id=self._facts.ticket_id,
                    number=self._input.number,
                    queue=queue,
                    priority=self._ticket.priority,
                    clock=due.clock,
                    kind=due.kind,
                    deadline=due.deadline,
                    action=step.action,
                    url=step.url,
                )
                self._start_task(self._tell(notice))

    def _system_action(self, action: Action, agent: str = SYSTEM, **fields: object) -> None:
        request = ActionRequest(action=action, agent=agent, **fields)  # type: ignore[arg-type]
        try:
            after = self._decide(request)
        except InvalidTransition as err:
            self._note_event(f"{action}-skipped", err.reason, None)
            return
        self._apply(SYSTEM, action, after, request)

    async def _tell(self, notice: EscalationNotice) -> None:
        """Tell supervisors (mail) or another system (webhook) of a warning or breach."""
        try:
            if notice.action == "webhook":
                await workflow.execute_activity_method(
                    EscalationActivities.call_webhook,
                    notice,
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=WEBHOOK_RETRY,
                )
                return
            skipped = await workflow.execute_activity_method(
                EscalationActivities.notify_supervisors,
                notice,
                start_to_close_timeout=SEND_TIMEOUT,
                retry_policy=SEND_RETRY,
            )
        except ActivityError as err:
            self._note_event(f"{notice.action}-failed", str(err.cause or err)[:1000], None)
            return
        if skipped:
            self._note_event("notify-skipped", skipped, None)

    # --- continue-as-new ------------------------------------------------------------

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.get_current_history_length() >= self._input.max_history_events
            or info.is_continue_as_new_suggested()
        )

    def _settled(self) -> bool:
        return (
            not self._send_tasks
            and not self._pending_projection()
            and workflow.all_handlers_finished()
        )

    async def _continue_as_new(self) -> None:
        """Hand over to a new run without waiting for a quiet moment, which a stream of
        messages (a mail loop) may never give: new messages and queued mail are carried
        over as ids; only what is already in flight finishes here."""
        assert self._facts is not None and self._ticket is not None
        while not self._settled():
            await self._flush()
            await workflow.wait_condition(lambda: self._pending_projection() or self._settled())
        carried = dataclasses.replace(
            self._facts,
            state=self._ticket.state.value,
            queue=self._ticket.queue,
            owner=self._ticket.owner,
            priority=self._ticket.priority,
            reply_queue=self._ticket.reply_queue,
            pending_articles=list(self._inbox),
            pending_mail=[[kind, article_id] for kind, article_id in self._sends],
        )
        workflow.continue_as_new(dataclasses.replace(self._input, carried=carried))

    # --- state ----------------------------------------------------------------------

    def _restore(self, facts: TicketFacts) -> None:
        self._facts = facts
        self._inbox = facts.pending_articles + self._inbox
        self._sends = [(str(kind), int(article_id)) for kind, article_id in facts.pending_mail]
        facts.pending_articles, facts.pending_mail = [], []
        self._ticket = lifecycle.Ticket(
            state=State(facts.state),
            queue=facts.queue,
            owner=facts.owner,
            priority=facts.priority,
            reply_queue=facts.reply_queue,
        )
        self._projected = facts.version

    def _decide(self, request: ActionRequest) -> lifecycle.Ticket:
        """The ticket after `request`, or InvalidTransition."""
        assert self._ticket is not None and self._facts is not None
        if request.action == Action.REMIND and (
            request.remind_at is None or request.remind_at <= workflow.now()
        ):
            raise InvalidTransition("remind needs a time in the future")
        lifecycle_request = self._lifecycle_request(request)
        return lifecycle.decide(self._ticket, lifecycle_request, self._facts.lines)

    @staticmethod
    def _lifecycle_request(request: ActionRequest) -> lifecycle.Request:
        return lifecycle.Request(
            action=Action(request.action),
            actor=request.agent,
            queue=request.queue,
            priority=request.priority,
        )

    def _apply(
        self, actor: str, action: Action, after: lifecycle.Ticket, request: ActionRequest
    ) -> int:
        """Make `after` the ticket's state, record the event; returns the new version."""
        assert self._ticket is not None and self._facts is not None
        before, now = self._ticket, workflow.now()
        if after.state in lifecycle.OPEN_STATES and before.state not in lifecycle.OPEN_STATES:
            self._facts.pending_since = now
        if after.state is State.CLOSED and before.state is not State.CLOSED:
            self._facts.closed_at = now
        self._ticket = after
        ticket_timers.after_change(self._facts, self._policy(), before, after, action, now)
        if action is Action.REMIND:
            self._facts.remind_at, self._facts.remind_agent = request.remind_at, request.agent
        if request.article_id is not None:
            self._accepted.append(request.article_id)
            if action in lifecycle.MAIL_ACTIONS:
                self._sends.append(("article", request.article_id))
        detail = request.reason or (str(request.priority) if action is Action.PRIORITY else None)
        if action is Action.REMIND and request.remind_at is not None:
            detail = request.remind_at.isoformat(timespec="minutes")
        elif action is Action.REMINDER:
            detail = request.agent
        self._search_dirty = True
        return self._record(actor, action.value, before, after, detail, request.article_id, now)

    def _note_event(self, action: str, detail: str | None, article_id: int | None) -> None:
        assert self._ticket is not None
        self._record(SYSTEM, action, self._ticket, self._ticket, detail, article_id, workflow.now())

    def _record(
        self,
        actor: str,
        action: str,
        before: lifecycle.Ticket,
        after: lifecycle.Ticket,
        detail: str | None,
        article_id: int | None,
        at: datetime,
    ) -> int:
        assert self._facts is not None
        self._facts.last_seq += 1
        self._facts.version += 1
        self._events.append(
            HistoryEntry(
                seq=self._facts.last_seq,
                at=at,
                actor=actor,
                action=action,
                from_state=before.state.value,
                to_state=after.state.value,
                from_queue=before.queue,
                to_queue=after.queue,
                detail=detail,
                article_id=article_id,
            )
        )
        return self._facts.version

    def _pending_projection(self) -> bool:
        return self._facts is not None and self._facts.version > self._projected

    def _ticket_state(self) -> State | None:
        return self._ticket.state if self._ticket else None

    def _status(self) -> TicketStatus:
        assert self._ticket is not None
        t = self._ticket
        return TicketStatus(self._input.number, t.state.value, t.queue, t.owner, t.priority)

    def _upsert_search_attributes(self) -> None:
        assert self._ticket is not None and self._facts is not None
        t = self._ticket
        clocks = self._facts.clocks
        escalation = sla.escalation_at(clocks) if clocks else None
        workflow.upsert_search_attributes(
            [
                TICKET_NUMBER.value_set(self._input.number),
                TICKET_STATE.value_set(t.state.value),
                TICKET_QUEUE.value_set(t.queue),
                TICKET_PRIORITY.value_set(t.priority),
                TICKET_OWNER.value_set(t.owner) if t.owner else TICKET_OWNER.value_unset(),
                TICKET_ESCALATION_AT.value_set(escalation)
                if escalation
                else TICKET_ESCALATION_AT.value_unset(),
            ]
        )
        self._search_dirty = False
