"""TicketRun: everything one run of a ticket's workflow knows, in one object.

The facts carried through continue-as-new (`TicketFacts`, the single source of the ticket's
state) and what this run has taken in but not yet projected or sent. Every method is pure:
the workflow passes `workflow.now()`, so this module imports nothing of Temporal's and its
logic is tested without a server.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketflow.payloads import (
    AccessCase,
    ActionRequest,
    CustomerMessage,
    EscalationNotice,
    HistoryEntry,
    MailKind,
    MergedIn,
    OutboundMail,
    Projection,
    Route,
    TaskEvent,
    TaskState,
    TaskWait,
    TicketFacts,
    TicketStatus,
    UndoRequest,
)
from ticketflow.tickets import lifecycle, rights, sla, timers, undo
from ticketflow.tickets.escalation import NOTICE_STEPS, change_for
from ticketflow.tickets.history import EventName, skipped, sla_event
from ticketflow.tickets.lifecycle import Action, InvalidTransition, State

SYSTEM, CUSTOMER = lifecycle.SYSTEM, lifecycle.CUSTOMER
# Enough to drop a redelivered signal for an article already taken in.
SEEN_ARTICLES_KEPT = 200
# Actions an undo does not take back: a language (the read model keeps it from the
# history), the Passwords steps (what the directory did stays done), a task filed.
# The Passwords steps, which keep the ticket's AccessCase.
ACCESS_STEPS = frozenset({Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE})
NOT_UNDONE = frozenset(
    {
        Action.LANGUAGE,
        Action.CLAIMS,
        Action.VERIFY,
        Action.RESTORE,
        Action.REFUSE,
        Action.FILE_TASK,
        Action.MERGE,  # its mail moved to the other ticket: no way back (the history says)
    }
)


@dataclass
class TicketRun:
    number: str
    facts: TicketFacts
    # Customer messages signalled but not yet taken in (article ids).
    inbox: list[int] = field(default_factory=list)
    # History entries and articles not yet projected to the read model.
    events: list[HistoryEntry] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    outbound: list[OutboundMail] = field(default_factory=list)
    # The version the read model shows; the facts' version runs ahead of it.
    projected: int = 0
    search_dirty: bool = False
    # The desk's timers (calendars, SLAs, waiting periods) as the facts carry them.
    policy: sla.DeskPolicy = field(default_factory=sla.DeskPolicy, repr=False)
    # An owned ticket is its owner's alone (the workflow sets it from a patch: runs that
    # began before the rule keep the old one).
    one_owner: bool = True
    # Ownership lapses, a reopen may release the owner, and who writes to the customer
    # owns the ticket (a patch too).
    owner_timeout: bool = True
    # Agents' actions may be undone within the desk's window, their mail held as long
    # (a patch too). The offers and held mail live in this run only: continue-as-new
    # waits for mail in flight, and an offer it drops is at most seconds old.
    undoable: bool = True
    offers: dict[int, undo.Undoable] = field(default_factory=dict)
    held: set[int] = field(default_factory=set)  # mails waiting out the window
    withdrawn: list[int] = field(default_factory=list)  # articles undone, not yet projected

    @classmethod
    def restore(cls, number: str, facts: TicketFacts, early_inbox: list[int]) -> TicketRun:
        """A run from loaded or carried facts; messages handed over come first."""
        run = cls(
            number=number,
            facts=facts,
            inbox=facts.carry.pending_articles + early_inbox,
            outbound=[OutboundMail(MailKind(str(k)), int(a)) for k, a in facts.carry.pending_mail],
            projected=facts.version,
            policy=sla.policy_from_json(facts.policy) if facts.policy else sla.DeskPolicy(),
        )
        facts.carry.pending_articles, facts.carry.pending_mail = [], []
        return run

    # --- the ticket -----------------------------------------------------------------

    @property
    def ticket(self) -> lifecycle.Ticket:
        return self.facts.ticket

    @property
    def state(self) -> State:
        return self.facts.ticket.state

    def status(
        self, action_id: int | None = None, offer: undo.Undoable | None = None
    ) -> TicketStatus:
        """The ticket after an agent's action `action_id`, with until when he may undo it."""
        until = offer.until if offer is not None else None
        return TicketStatus(self.number, self.ticket, action_id, until)

    def escalation_at(self) -> datetime | None:
        clocks = self.facts.timers.clocks
        return sla.escalation_at(clocks) if clocks else None

    # --- decisions --------------------------------------------------------------------

    def decide(self, request: ActionRequest, now: datetime) -> lifecycle.Ticket:
        """The ticket after `request`, or InvalidTransition."""
        if request.action == Action.REMIND and (
            request.remind_at is None or request.remind_at <= now
        ):
            raise lifecycle.refused("remind-past")
        if request.action == Action.MERGE and (not request.into or request.into == self.number):
            raise lifecycle.refused("merge-into")
        after = self._decide(self.ticket, request)
        self._check_access(request)
        return after

    def _check_access(self, request: ActionRequest) -> None:
        """A Passwords step in its order: claims, then a verification, then one decision."""
        action, case = request.action, self.facts.access or AccessCase()
        if action == Action.CLAIMS and request.claims_id is None:
            raise lifecycle.refused("claims-missing")
        if action == Action.VERIFY and case.claims_id is None:
            raise lifecycle.refused("claims-missing")
        if action in lifecycle.DECISIONS:
            if case.decision is not None:
                raise lifecycle.refused("decided", decision=case.decision)
            if not case.verified:
                raise lifecycle.refused("verify-first")

    def plan(self, steps: list[ActionRequest]) -> None:
        """Raise InvalidTransition, naming the step, if any step of a macro would be refused
        (each decided in the queue the steps before leave the ticket in)."""
        lifecycle.decide_steps(self.ticket, steps, self._decide)

    def _decide(self, ticket: lifecycle.Ticket, request: ActionRequest) -> lifecycle.Ticket:
        asked = lifecycle_request(request)
        if request.rights is not None:
            asked = self._granted(ticket, asked, request.rights)
        return lifecycle.decide(ticket, asked, self.facts.lines, self.one_owner, self.owner_timeout)

    def _granted(
        self, ticket: lifecycle.Ticket, asked: lifecycle.Request, given: dict[str, list[str]]
    ) -> lifecycle.Request:
        """The request, once the agent's rights in the ticket's queue as it is now (and a
        move's target) allow it: InvalidTransition with the reason otherwise. A target that
        is no queue is left to the lifecycle, which refuses it listing the queues."""
        here = rights.granted_in(given, ticket.queue)
        target = asked.queue
        if target is None or target not in self.facts.lines:
            there = frozenset({rights.Right.MOVE_INTO})
        else:
            there = rights.granted_in(given, target)
        denied = rights.denial(asked.action, here, there, target or "")
        if denied is not None:
            raise InvalidTransition(denied)
        return dataclasses.replace(asked, steal=rights.Right.STEAL in here)

    # --- changes ----------------------------------------------------------------------

    def apply(
        self,
        actor: str,
        action: Action,
        after: lifecycle.Ticket,
        request: ActionRequest,
        now: datetime,
    ) -> int:
        """Make `after` the ticket's state and record the event; returns the new version."""
        facts, before = self.facts, self.ticket
        reopened = (
            after.state in lifecycle.OPEN_STATES and before.state not in lifecycle.OPEN_STATES
        )
        if reopened:
            facts.pending_since = now
        released_on_reopen = None
        if self.owner_timeout:
            if reopened and self._releases_on_reopen(action, after):
                released_on_reopen, after = after.owner, dataclasses.replace(after, owner=None)
            self._track_owner(actor, before, after, reopened, now)
        if after.state is State.CLOSED and before.state is not State.CLOSED:
            facts.closed_at = now
        facts.ticket = after
        timers.after_change(facts.timers, self.policy, before, after, action, now)
        if action is Action.REMIND:
            facts.timers.remind_at, facts.timers.remind_agent = request.remind_at, request.agent
        self._track_access(action, request, now)
        if request.article_id is not None:
            self.accepted.append(request.article_id)
            if action in lifecycle.SENDING_ACTIONS:
                self.outbound.append(self._agent_mail(action, request.article_id, now))
        detail = self._detail(actor, action, before, request)
        self.search_dirty = True
        version = self.record(actor, action.value, before, after, detail, request.article_id, now)
        if released_on_reopen is not None:
            reason = f"{released_on_reopen}: reopened in {after.queue}, which releases its owner"
            version = self.note(Action.RELEASED.value, reason, None, now)
        return version

    def _track_access(self, action: Action, request: ActionRequest, now: datetime) -> None:
        """The Passwords case's progress; a tracker's task the ticket now waits on."""
        if action in ACCESS_STEPS and self.facts.access is None:
            self.facts.access = AccessCase()
        case = self.facts.access or AccessCase()
        if action is Action.CLAIMS:
            # New claims: verified anew, decided anew (a refused customer may say more).
            case.claims_id, case.verified, case.decision = request.claims_id, False, None
        elif action is Action.VERIFY:
            case.verified = True
        elif action in lifecycle.DECISIONS:
            case.decision = action.value
        elif action is Action.FILE_TASK and request.task:
            self.facts.task = TaskWait(key=request.task, since=now)

    def _agent_mail(self, action: Action, article_id: int, now: datetime) -> OutboundMail:
        """An agent's mail, held for the undo window (if the desk has one); a decision's
        goes at once (access was restored already: there is nothing to take back)."""
        window = self.undo_window
        if not window or action in lifecycle.DECISIONS:
            return OutboundMail(MailKind.ARTICLE, article_id)
        self.held.add(article_id)
        return OutboundMail(MailKind.ARTICLE, article_id, hold_until=now + window)

    def _detail(
        self, actor: str, action: Action, before: lifecycle.Ticket, request: ActionRequest
    ) -> str | None:
        """What the history entry says besides the action: its reason, a priority, from whom
        a ticket was taken, when a reminder falls due, for whom it fell due."""
        if action is Action.REMIND and request.remind_at is not None:
            return request.remind_at.isoformat(timespec="minutes")
        if action is Action.REMINDER:
            return request.agent
        if action is Action.LANGUAGE:
            return request.language
        if action is Action.MERGE:
            return request.into
        if action is Action.RESTORE:
            return f"{request.channel}: {request.reason or ''}".rstrip(": ")
        if action is Action.TAKE and self.one_owner and before.owner not in (None, actor):
            return f"taken from {before.owner}"  # a steal: the history says from whom
        return request.reason or (str(request.priority) if action is Action.PRIORITY else None)

    def _releases_on_reopen(self, action: Action, after: lifecycle.Ticket) -> bool:
        reopening = action in (Action.CUSTOMER_MESSAGE, Action.REOPEN)
        policy = self.policy.queue(after.queue)
        return reopening and after.owner is not None and policy.reopen_owner == "release"

    def _track_owner(
        self,
        actor: str,
        before: lifecycle.Ticket,
        after: lifecycle.Ticket,
        reopened: bool,
        now: datetime,
    ) -> None:
        """The moment the owner's time starts again: he got the ticket, acted on it, or it
        came back to him open."""
        kept = self.facts.timers
        if after.owner is None:
            kept.owner_active_at = None
        elif after.owner != before.owner or actor == after.owner or reopened:
            kept.owner_active_at = now

    def system_action(
        self, action: Action, now: datetime, agent: str = SYSTEM, **fields: object
    ) -> None:
        """A change the system makes (routing, timers, escalations); a refused one is noted."""
        request = ActionRequest(action=action, agent=agent, **fields)  # type: ignore[arg-type]
        try:
            after = self.decide(request, now)
        except InvalidTransition as err:
            self.note(skipped(action), err.reason, None, now)
            return
        self.apply(SYSTEM, action, after, request, now)

    def take_inbox(
        self,
        now: datetime,
        intake_notes: dict[int, list[tuple[str, str]]] | None = None,
        at_most: int | None = None,
    ) -> None:
        """Take in the customer's messages (`at_most` of them), each once (a redelivered
        signal is dropped), with the history entries intake asked for (`intake_notes`: a
        reused Message-ID, the colleague who forwarded it)."""
        seen = self.facts.carry.seen_articles
        taken = 0
        while self.inbox and (at_most is None or taken < at_most):
            article_id = self.inbox.pop(0)
            if article_id in seen:
                continue
            seen.append(article_id)
            del seen[:-SEEN_ARTICLES_KEPT]
            request = ActionRequest(
                action=Action.CUSTOMER_MESSAGE, agent=CUSTOMER, article_id=article_id
            )
            self.apply(CUSTOMER, Action.CUSTOMER_MESSAGE, self.decide(request, now), request, now)
            self.facts.customer_wrote_at = now
            taken += 1
            for name, detail in (intake_notes or {}).pop(article_id, []):
                self.note(name, detail, article_id, now)

    def route_new(self, route: Route, article_id: int, now: datetime) -> None:
        """A new ticket to its queue, priority and (for automatic mail) closed, as `route`
        says; its automatic reply queued (or why not, in the history)."""
        request = ActionRequest(action=Action.ROUTE, agent=SYSTEM, queue=route.queue)
        self.apply(SYSTEM, Action.ROUTE, self.decide(request, now), request, now)
        if route.priority is not None and route.priority != self.ticket.priority:
            self.system_action(Action.PRIORITY, now, priority=route.priority)
        if route.close_reason is not None:
            self.system_action(Action.CLOSE, now, reason=route.close_reason)
        if not article_id:
            return
        if route.no_auto_reply:
            self.note(EventName.AUTO_REPLY_SKIPPED, route.no_auto_reply, article_id, now)
        else:
            self.outbound.append(OutboundMail(MailKind.AUTO_REPLY, article_id))

    def note(self, name: str, detail: str | None, article_id: int | None, now: datetime) -> int:
        """A history entry that changes nothing; returns the new version."""
        return self.record(SYSTEM, name, self.ticket, self.ticket, detail, article_id, now)

    def record(
        self,
        actor: str,
        action: str,
        before: lifecycle.Ticket,
        after: lifecycle.Ticket,
        detail: str | None,
        article_id: int | None,
        at: datetime,
    ) -> int:
        facts = self.facts
        facts.last_seq += 1
        facts.version += 1
        self.events.append(
            HistoryEntry(
                seq=facts.last_seq,
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
        return facts.version

    # --- undo -------------------------------------------------------------------------

    @property
    def undo_window(self) -> timedelta:
        return timedelta(seconds=self.policy.undo_seconds if self.undoable else 0)

    def before_action(self) -> tuple[int, undo.Before]:
        """The id the next action gets (the seq of its first entry) and what an undo of it
        would put back."""
        f = self.facts
        return f.last_seq + 1, undo.snapshot(f.ticket, f.timers, f.pending_since, f.closed_at)

    def offer_undo(
        self,
        action_id: int,
        before: undo.Before,
        name: str,
        agent: str,
        steps: list[ActionRequest],
        now: datetime,
    ) -> undo.Undoable | None:
        """Keep what an undo of the action just applied needs, for the window; None when
        the desk has none or the action cannot be undone (NOT_UNDONE)."""
        window = self.undo_window
        if not window or any(step.action in NOT_UNDONE for step in steps):
            return None
        self.offers = {i: o for i, o in self.offers.items() if o.until > now}
        made = [s for s in steps if s.article_id is not None]
        offer = undo.Undoable(
            action_id=action_id,
            name=name,
            agent=agent,
            until=now + window,
            before=before,
            after=self.ticket,
            last_seq=self.facts.last_seq,
            articles=[s.article_id for s in made if s.article_id is not None],
            mails=[
                s.article_id
                for s in made
                if s.article_id is not None and s.action in lifecycle.SENDING_ACTIONS
            ],
        )
        self.offers[action_id] = offer
        return offer

    def decide_undo(self, request: UndoRequest, now: datetime) -> undo.Undoable:
        """The offer the request takes back, or InvalidTransition saying why not."""
        offer = self.offers.get(request.action_id)
        return undo.check(
            offer,
            request.action_id,
            request.agent,
            self.ticket,
            now,
            self.undo_window,
            self.held,
        )

    def undo(self, request: UndoRequest, now: datetime) -> int:
        """Put the ticket back as it was before the offered action; its mail is never sent
        and its notes and mails are withdrawn. Returns the new version."""
        offer = self.decide_undo(request, now)
        del self.offers[offer.action_id]
        f, current, before = self.facts, self.ticket, offer.before
        f.ticket, f.pending_since, f.closed_at = (
            before.ticket,
            before.pending_since,
            before.closed_at,
        )
        f.timers = copy.deepcopy(before.timers)
        self.held.difference_update(offer.mails)
        self.withdrawn += offer.articles
        self.search_dirty = True
        return self.record(
            request.agent, undo.UNDO, current, before.ticket, offer.detail(), None, now
        )

    def release_held(self, article_id: int) -> bool:
        """The held mail's window is over: True to send it, False if an undo withdrew it."""
        if article_id not in self.held:
            return False
        self.held.discard(article_id)
        return True

    # --- timers -----------------------------------------------------------------------

    def next_timer(self) -> datetime | None:
        when = timers.next_timer(self.facts.timers, self._waiting_policy())
        found = [t for t in (when, self.owner_lapses_at(), *self._task_times()) if t is not None]
        return min(found, default=None)

    def _waiting_policy(self) -> sla.QueuePolicy:
        """The queue's waiting rules; none while the ticket waits on a tracker's task (it
        is engineering the ticket waits for, not the customer: no reminder, no closing)."""
        queue = self.policy.queue(self.ticket.queue)
        if self.facts.task is None:
            return queue
        return dataclasses.replace(queue, close_waiting_after_minutes=None, remind_waiting=False)

    # --- a tracker's task -------------------------------------------------------------

    def _open_task(self) -> TaskWait | None:
        """The task the ticket waits on; none once the ticket is closed (its workflow then
        ends with its reopen window, never kept alive by polls)."""
        return self.facts.task if self.state is not State.CLOSED else None

    def _task_times(self) -> list[datetime]:
        """When the task is next asked about (polling), and when it is overdue."""
        task, policy = self._open_task(), self.policy
        if task is None:
            return []
        found = []
        if policy.task_poll_seconds:
            found.append(
                (task.polled_at or task.since) + timedelta(seconds=policy.task_poll_seconds)
            )
        if policy.task_limit_minutes and not task.overdue:
            found.append(task.since + timedelta(minutes=policy.task_limit_minutes))
        return found

    def task_poll_due(self, now: datetime) -> str | None:
        """The key of the task to ask about now (marked asked), or None."""
        task, seconds = self._open_task(), self.policy.task_poll_seconds
        if task is None or not seconds:
            return None
        if (task.polled_at or task.since) + timedelta(seconds=seconds) > now:
            return None
        task.polled_at = now
        return task.key

    def task_seen(self, state: TaskState) -> TaskEvent | None:
        """What a poll's answer tells of the task the ticket waits on, if anything new."""
        task = self.facts.task
        if task is None or task.key != state.key or state.unavailable or state.unknown:
            return None
        if state.closed:
            return TaskEvent(state.key, "closed")
        if state.comments > task.comments:
            task.comments = state.comments
            return TaskEvent(state.key, "comment")
        return None

    def take_merged(self, merged: MergedIn, now: datetime) -> None:
        """Another ticket merged into this one by an agent: its mail is here now, and the
        history says whose and by whom; nothing of this ticket's state changes."""
        self.record(
            merged.agent, Action.MERGED_IN.value, self.ticket, self.ticket, merged.source, None, now
        )

    def take_task_event(self, event: TaskEvent, now: datetime) -> None:
        """The task closed or got a comment: the ticket comes back to its queue with the
        history saying so; a closed task ends the wait. Another task's word is dropped."""
        task = self.facts.task
        if task is None or task.key != event.key:
            return
        if event.kind == "closed":
            self.facts.task = None
        self.system_action(Action.TASK_UPDATE, now, reason=f"{event.key} {event.kind}")

    def owner_lapses_at(self) -> datetime | None:
        if not self.owner_timeout:
            return None
        minutes = self.policy.owner_timeout_minutes
        return timers.owner_lapses_at(self.ticket, self.facts.timers, minutes)

    def timer_due(self, now: datetime) -> bool:
        when = self.next_timer()
        return when is not None and when <= now

    def fire_timers(self, now: datetime) -> list[EscalationNotice]:
        """Everything that has fallen due: escalations (their notices returned, for the
        workflow to send), a waiting ticket's reminder or closing, an agent's reminder."""
        kept, notices = self.facts.timers, []
        for due in sla.due(kept.clocks, now) if kept.clocks else []:
            notices += self._escalate(due, now)
        reminder_at, close_at = timers.waiting_times(kept, self._waiting_policy())
        if reminder_at is not None and reminder_at <= now:
            kept.waiting_reminded = True
            self.outbound.append(OutboundMail(MailKind.WAITING_REMINDER, 0))
        if close_at is not None and close_at <= now:
            days = round((close_at - (kept.waiting_since or close_at)).total_seconds() / 86400, 1)
            self.system_action(
                Action.CLOSE, now, reason=f"no reply from the customer in {days:g} days"
            )
        if kept.remind_at is not None and kept.remind_at <= now:
            agent, kept.remind_at, kept.remind_agent = kept.remind_agent, None, None
            self.system_action(Action.REMINDER, now, agent=agent or SYSTEM)
        self._task_overdue(now)
        lapse = self.owner_lapses_at()
        if lapse is not None and lapse <= now:
            minutes = self.policy.owner_timeout_minutes
            reason = f"{self.ticket.owner}: no action in {minutes} minutes"
            self.system_action(Action.RELEASED, now, reason=reason)
        return notices

    def _task_overdue(self, now: datetime) -> None:
        """A task open past the desk's limit escalates its ticket, once: the history says
        so and the priority rises."""
        task, minutes = self._open_task(), self.policy.task_limit_minutes
        if task is None or not minutes or task.overdue:
            return
        if task.since + timedelta(minutes=minutes) > now:
            return
        task.overdue = True
        days = round(minutes / 1440, 1)
        self.note(EventName.TASK_OVERDUE.value, f"{task.key} open {days:g} days", None, now)
        if self.ticket.priority < lifecycle.MAX_PRIORITY:
            self.system_action(Action.PRIORITY, now, priority=self.ticket.priority + 1)

    def _escalate(self, due: sla.Due, now: datetime) -> list[EscalationNotice]:
        detail = f"{due.clock} due {due.deadline.isoformat(timespec='minutes')}"
        self.note(sla_event(due.kind), detail, None, now)
        # Notices name the queue whose promise was missed, even after a move step.
        queue = self.ticket.queue
        policy = self.policy.sla_for(queue, self.ticket.priority)
        steps = []
        if policy is not None:
            steps = policy.on_warning if due.kind == sla.WARNING else policy.on_breach
        notices = []
        for step in steps:
            if step.action in NOTICE_STEPS:
                notices.append(
                    EscalationNotice(
                        ticket_id=self.facts.ticket_id,
                        number=self.number,
                        queue=queue,
                        priority=self.ticket.priority,
                        clock=due.clock,
                        kind=due.kind,
                        deadline=due.deadline,
                        action=step.action,
                        url=step.url,
                        project=self.facts.project,
                    )
                )
            elif (change := change_for(step, self.ticket)) is not None:
                self.system_action(change.action, now, priority=change.priority, queue=change.queue)
        return notices

    def window_end(self, reopen_window: timedelta) -> datetime | None:
        """When a closed ticket stops waiting for a reply; None while it is open."""
        if self.state is not State.CLOSED or self.facts.closed_at is None:
            return None
        return self.facts.closed_at + reopen_window

    # --- projection and hand-over -----------------------------------------------------

    @property
    def pending_projection(self) -> bool:
        return self.facts.version > self.projected

    def projection(self, now: datetime) -> Projection:
        """Every change since the last projection, handed over (the buffers are emptied)."""
        f = self.facts
        projection = Projection(
            ticket_id=f.ticket_id,
            version=f.version,
            ticket=f.ticket,
            pending_since=f.pending_since,
            updated_at=now,
            events=self.events,
            accepted_articles=self.accepted,
            escalation_at=self.escalation_at(),
            withdrawn_articles=self.withdrawn,
        )
        self.events, self.accepted, self.withdrawn = [], [], []
        return projection

    def carry_over(self) -> TicketFacts:
        """The facts for the next run: messages not yet taken in and mail not yet started
        go along as ids."""
        carry = dataclasses.replace(
            self.facts.carry,
            pending_articles=list(self.inbox),
            pending_mail=[[mail.kind.value, mail.article_id] for mail in self.outbound],
        )
        return dataclasses.replace(self.facts, carry=carry)


def intake_notes(message: CustomerMessage) -> list[tuple[str, str]]:
    """The history entries intake asks for with a message: who forwarded it, a warning."""
    said = []
    if message.forwarded_by:
        said.append((EventName.FORWARDED.value, message.forwarded_by[:300]))
    if message.warning:
        said.append((EventName.MESSAGE_WARNING.value, message.warning[:300]))
    return said


def lifecycle_request(request: ActionRequest) -> lifecycle.Request:
    return lifecycle.Request(
        action=Action(request.action),
        actor=request.agent,
        queue=request.queue,
        priority=request.priority,
        steal=request.steal,
    )
