"""Payloads between API, workflow and activities.

Claim check: ids and small metadata only. Mail bodies, agent texts and
addresses stay in the database; none of these classes may carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ticketflow.tickets import lifecycle
from ticketflow.tickets.timers import TicketTimers


class ActivityName(StrEnum):
    """The activities the ticket workflow calls, by the names the worker registers."""

    LOAD_TICKET = "load_ticket"
    ROUTE = "route"
    PROJECT = "project"
    SEND_AUTO_REPLY = "send_auto_reply"
    SEND_ARTICLE = "send_article"
    SEND_WAITING_REMINDER = "send_waiting_reminder"
    NOTIFY_SUPERVISORS = "notify_supervisors"
    CALL_WEBHOOK = "call_webhook"
    VERIFY_CLAIMS = "verify_claims"
    RESTORE_ACCESS = "restore_access"
    FILE_TASK = "file_task"
    POLL_TASK = "poll_task"
    MERGE_INTO = "merge_into"
    # The incident workflow's (workflows/incident.py).
    SEND_INCIDENT_BATCH = "send_incident_batch"
    PROJECT_INCIDENT = "project_incident"


class MailKind(StrEnum):
    """What a ticket sends: carried by value through continue-as-new (`pending_mail`)."""

    AUTO_REPLY = "auto-reply"  # the acknowledgement of a new ticket
    ARTICLE = "article"  # an agent's question or answer, stored before the Update
    WAITING_REMINDER = "waiting-reminder"  # the reminder of a question left unanswered


@dataclass(frozen=True)
class OutboundMail:
    kind: MailKind
    article_id: int  # the inbound article answered, or the outbound one; 0 for a reminder
    # An agent's mail waits until then, so that he may undo it (a durable timer); never
    # carried through continue-as-new, which waits for mail in flight.
    hold_until: datetime | None = None


@dataclass
class Route:
    """Where a new ticket goes, decided by ticketflow.desk.routing."""

    queue: str
    # Why the first message gets no automatic reply (loop protection, a rule); None: it gets one.
    no_auto_reply: str | None = None
    priority: int | None = None  # set by a rule
    close_reason: str | None = None  # a rule closed it at once (spam)


@dataclass
class CarryOver:
    """What one run hands the next through continue-as-new, as ids: articles taken in
    (a redelivered signal is dropped), messages not yet taken in, and mail not yet
    started as [kind, article id]."""

    seen_articles: list[int] = field(default_factory=list)
    pending_articles: list[int] = field(default_factory=list)
    pending_mail: list[list[str | int]] = field(default_factory=list)


@dataclass
class AccessCase:
    """A lost-access ticket's progress (Passwords): which sealed claims are current (their
    row's id, never their content), whether they were verified since, the decision."""

    claims_id: int | None = None
    verified: bool = False
    decision: str | None = None  # restore | refuse


@dataclass
class TaskWait:
    """The tracker's task a ticket waits on: its key (GitLab's or GitHub's issue number,
    Jira's key), when it was filed or linked, the comments seen so far, when it was last
    asked (polling), and whether its being open too long was said."""

    key: str
    since: datetime
    comments: int = 0
    polled_at: datetime | None = None
    overdue: bool = False


@dataclass
class TicketFacts:
    """What a ticket's workflow carries: the ticket's lifecycle (the pure domain's own
    shape), its timers and what one run hands the next; loaded from the read model
    (ticketflow.store.ticket_shape), made by intake for a new ticket, or carried over."""

    ticket_id: int
    ticket: lifecycle.Ticket
    pending_since: datetime
    closed_at: datetime | None
    version: int
    last_seq: int
    # Queue name -> line, from the desk config when the run started.
    lines: dict[str, str]
    # The ticket's project (ticketflow.desk.projects); "" in facts carried from before
    # projects: the first project.
    project: str = ""
    # The inbound article that created the ticket (routing and the automatic reply use it).
    first_article_id: int | None = None
    # Intake's routing of a new ticket; None: the run asks the `route` activity.
    route: Route | None = None
    # The desk's calendars, SLAs and waiting periods as JSON
    # (ticketflow.tickets.sla.policy_json; None: the defaults).
    policy: str | None = None
    timers: TicketTimers = field(default_factory=TicketTimers)
    carry: CarryOver = field(default_factory=CarryOver)
    # When the customer's last message came (the Temporal UI's details show it).
    customer_wrote_at: datetime | None = None
    # Only on tickets that use them (None keeps every other ticket's payload as it was).
    access: AccessCase | None = None
    task: TaskWait | None = None
    # The ticket it was merged into (its number), for a run started after the merge: such a
    # run takes in no mail (the sweep moves it there) and ends.
    merged_into: str | None = None


@dataclass
class TicketInput:
    number: str
    reopen_window_seconds: float
    max_history_events: int
    # Set on continue-as-new, and by intake for a ticket it has just made; otherwise
    # the run loads the ticket from the read model.
    carried: TicketFacts | None = None
    # The rules the run was started under (workflows.ticket.RULES): a run started under
    # the current ones takes every patch of their time as applied without recording a
    # marker for each. Runs started before the field (0) ask `workflow.patched` as they
    # did, so their histories replay unchanged.
    rules: int = 0


@dataclass
class CustomerMessage:
    article_id: int
    # Recorded in the history with the article (a reused Message-ID); never mail text.
    warning: str | None = None
    # The colleague who forwarded the customer's message (an address of the staff's).
    forwarded_by: str | None = None


@dataclass
class ActionRequest:
    action: str
    agent: str
    queue: str | None = None
    priority: int | None = None
    # A short agent-chosen reason, such as "spam"; never customer text.
    reason: str | None = None
    # The stored note or outgoing mail (claim check) for note, ask and answer.
    article_id: int | None = None
    remind_at: datetime | None = None  # for remind
    language: str | None = None  # for language: en, ru, tr
    # For take: the agent has the steal right in the ticket's queue. Requests that carry
    # their agent's rights take it from those, in the queue the ticket is in when decided.
    steal: bool = False
    # The agent's rights, queue by queue (ticketflow.tickets.rights), so that the workflow
    # decides them against the ticket's queue as it is, not as the read model showed it.
    # None: the system's requests, and agents' from before rights were carried.
    rights: dict[str, list[str]] | None = None
    # For claims: the sealed claims' row (claim check); for restore: how access is given.
    claims_id: int | None = None
    channel: str | None = None
    # For file-task: an existing task to link instead of filing one (its key).
    task: str | None = None
    # For merge: the number of the ticket this one is merged into (the service checked
    # the agent may act on it, in the same project).
    into: str | None = None


@dataclass(frozen=True)
class MergeRef:
    """A ticket merged into another: its mail (articles and their files) moved under the
    other, which is told (`MergedIn`), its run started (`start`, on `task_queue`, with
    `summary`) if it has none running."""

    source_id: int
    source: str  # its number
    into: str  # the number of the ticket it is merged into
    agent: str
    start: TicketInput
    task_queue: str
    summary: str


@dataclass(frozen=True)
class MergedIn:
    """To the ticket another was merged into: the other's number and who merged it."""

    source: str
    agent: str


@dataclass
class ClaimsCheck:
    """Verify a ticket's sealed claims (by row id) against its project's directory."""

    ticket_id: int
    claims_id: int


@dataclass
class Verified:
    """A verification's outcome as the history tells it: verdict counts, never values;
    `unavailable` when the directory could not be asked."""

    summary: str
    unavailable: bool = False


@dataclass
class AccessRestore:
    """Restore access to the account the sealed claims name, once (`key`)."""

    ticket_id: int
    claims_id: int
    channel: str
    key: str


@dataclass
class TaskFiling:
    """File a task with the agent's note (`article_id`: its summary and text, claim
    check) and the ticket's link, or link the existing task `existing`."""

    ticket_id: int
    article_id: int | None
    existing: str | None = None


@dataclass
class TaskState:
    """A task as the tracker says it now (comments: how many it has)."""

    key: str
    closed: bool = False
    comments: int = 0
    unavailable: str | None = None  # why the tracker could not be asked
    unknown: bool = False  # the tracker has no such task


@dataclass
class TaskEvent:
    """The tracker's word on a task: `closed` or `comment` (a webhook, or a poll)."""

    key: str
    kind: str


@dataclass
class TaskPoll:
    ticket_id: int
    key: str


@dataclass
class MacroRequest:
    """A macro's steps, all applied or none; their texts are stored drafts (article ids)."""

    name: str
    agent: str
    steps: list[ActionRequest]


@dataclass
class UndoRequest:
    """Put the ticket back as it was before one of the agent's own actions (or macros),
    named by the seq of its first history entry, within the desk's undo window."""

    agent: str
    action_id: int


@dataclass
class TicketStatus:
    """The ticket as an Update left it: the answer to an agent's action."""

    number: str
    ticket: lifecycle.Ticket
    # The action's id (the seq of its first history entry: what an undo names) and
    # until when it may be undone (None: it may not; the desk's window is 0).
    action_id: int | None = None
    undo_until: datetime | None = None


@dataclass
class HistoryEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    from_queue: str | None
    to_queue: str
    detail: str | None = None
    article_id: int | None = None


@dataclass
class Projection:
    ticket_id: int
    # Equals the seq of the last event: the workflow counts both together.
    version: int
    ticket: lifecycle.Ticket
    pending_since: datetime
    updated_at: datetime
    events: list[HistoryEntry]
    # Articles the workflow has taken in: inbound ones, and agent notes and mails.
    accepted_articles: list[int]
    # The earliest deadline of a running escalation clock (maybe already past).
    escalation_at: datetime | None = None
    # Agents' notes and mails an undo withdrew (never sent; shown as withdrawn).
    withdrawn_articles: list[int] = field(default_factory=list)


@dataclass
class ArticleRef:
    ticket_id: int
    article_id: int
    # The ticket's queue as the workflow knows it (the read model may not show it yet):
    # which address an automatic reply comes from.
    queue: str | None = None
    # For mail the activity writes itself (a reminder): the key that makes it once.
    key: str | None = None


@dataclass
class EscalationNotice:
    """A warning or breach to tell supervisors (notify) or another system (webhook) about."""

    ticket_id: int
    number: str
    queue: str
    priority: int
    clock: str
    kind: str  # warning | breach
    deadline: datetime
    action: str  # notify | webhook
    url: str | None = None
    project: str = ""  # "" in notices from runs before projects: the first project


@dataclass
class SendResult:
    # The outbound article (for an automatic reply, the one the activity made).
    article_id: int | None
    sent: bool
    # Why nothing was sent: a permanent SMTP failure, or no address to send to.
    error: str | None = None
    # Why an automatic reply was deliberately not made (the per-sender daily limit).
    skipped: str | None = None
    # Handed to the SMTP server, which never confirmed it; not sent again.
    unconfirmed: bool = False


@dataclass(frozen=True)
class IncidentCommand:
    """An agent's order to an incident (ticketflow.tickets.incidents.Order), with his
    rights queue by queue: each ticket's workflow decides its mail against them."""

    order: str
    agent: str
    rights: dict[str, list[str]] | None = None


@dataclass
class IncidentCarried:
    """An incident's course and who ordered each mail, across continue-as-new."""

    phase: str | None = None
    paused: bool = False
    waiting: bool = True
    closed: bool = False
    senders: dict[str, IncidentCommand] = field(default_factory=dict)  # by phase


@dataclass(frozen=True)
class IncidentInput:
    """An incident's run: its id and project, the desk's rate, and how a linked ticket's
    run starts should it have none (`ticket`, its number left out)."""

    incident_id: int
    project: str
    rate_per_minute: int
    ticket: TicketInput
    carried: IncidentCarried | None = None


@dataclass(frozen=True)
class IncidentBatch:
    """One batch of an incident's mail: up to `limit` linked tickets still waiting for
    `phase`'s mail, each asked through its own workflow (an Update on `task_queue`)."""

    incident_id: int
    phase: str
    sender: IncidentCommand
    limit: int
    ticket: TicketInput
    task_queue: str


@dataclass(frozen=True)
class IncidentStateNow:
    """An incident's state as its workflow decided it, for the read model."""

    incident_id: int
    state: str


@dataclass(frozen=True)
class BatchResult:
    sent: int
    refused: int
    remaining: int  # tickets still waiting for this phase's mail
