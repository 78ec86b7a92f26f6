"""What the service takes and gives: request bodies and typed results, apart from the ORM
classes. The API answers with them as they are; the console renders them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from ticketflow.desk.macros import MacroConfig
from ticketflow.payloads import HistoryEntry, TicketStatus
from ticketflow.store.inbox import SetAside
from ticketflow.store.intake import IntakeResult
from ticketflow.store.models import ArticleAttachment
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.lifecycle import MAX_PRIORITY, MIN_PRIORITY

TEXT_LIMIT = 100_000


class QueueOut(BaseModel):
    name: str
    line: str
    open: int
    waiting: int
    oldest_open_age_seconds: float | None


class NextTicketOut(BaseModel):
    """The queue's next ticket for the agent, now open by him; null when none is left."""

    ticket: str | None


class TicketSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    project: str
    subject: str
    customer: str
    state: str
    queue: str
    owner: str | None
    priority: int
    created_at: datetime
    pending_since: datetime
    updated_at: datetime
    # The next escalation deadline (SLA), past when breached; None when no clock runs.
    escalation_at: datetime | None = None
    language: str | None = None  # what answers are written in (en, ru, tr)


class EscalationOut(TicketSummary):
    breached: bool


class EscalationList(BaseModel):
    tickets: list[EscalationOut]


class TicketPage(BaseModel):
    tickets: list[TicketSummary]
    next_cursor: str | None
    # The order they are in (pass it with the cursor): the asked one, else the queue's.
    sort: Literal["pending", "escalation", "priority"] = "pending"


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    inline: bool
    content_id: str | None
    # False when larger than TICKETFLOW_MAX_ATTACHMENT_BYTES: only in the raw message.
    stored: bool

    @classmethod
    def of(cls, row: ArticleAttachment) -> AttachmentOut:
        return cls(
            id=row.id,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            inline=row.inline,
            content_id=row.content_id,
            stored=row.blob_sha256 is not None,
        )


class ArticleOut(BaseModel):
    id: int
    direction: Direction
    status: ArticleStatus
    from_: str = Field(alias="from")
    to: str
    cc: str | None = None  # whom it was copied to
    bcc: str | None = None  # an agent's blind copies (never in the mail's header)
    subject: str
    body_text: str
    # Safe to show: inbound HTML is sanitised, its cid: images point at their downloads.
    body_html: str | None = None
    message_id: str | None
    author: str | None
    bounce: bool
    attachments: list[AttachmentOut] = []
    created_at: datetime
    sent_at: datetime | None
    error: str | None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class HintOut(BaseModel):
    """A topic for agents, and why: the rule, the part of which message, what it found."""

    model_config = ConfigDict(from_attributes=True)

    topic: str
    rule: str
    article_id: int
    part: str
    matched: str


class LinkedTicket(TicketSummary):
    """A ticket linked with another, and who linked the two when."""

    linked_by: str
    linked_at: datetime


class LinkList(BaseModel):
    # The ticket's linked tickets the caller may read, the latest link first.
    links: list[LinkedTicket]


class TicketDetail(TicketSummary):
    tags: list[str]
    hints: list[HintOut]
    # Its related tickets (those the caller may read), the latest link first.
    links: list[LinkedTicket] = []
    # The ticket this one was merged into (its mail is there now), and those merged into
    # this one (their mail is here; each keeps its own history).
    merged_into: str | None = None
    merged: list[str] = []
    articles: list[ArticleOut]
    # The ticket's events, as its workflow recorded them.
    history: list[HistoryEntry]
    # With `articles=N`: pass as `before` for the articles before these; None: none before.
    earlier: int | None = None
    # The actions the caller may take on it now (his rights, its state and owner), in the
    # order the console offers them.
    actions: list[str] = []


class ActionResult(BaseModel):
    """The ticket as the workflow left it after an action (its `TicketStatus`)."""

    number: str
    state: str
    queue: str
    owner: str | None
    priority: int
    # The action's id (what `actions/undo` names; the seq of its first history entry),
    # and until when it may be undone (its mail waits as long); None when it may not.
    action_id: int | None = None
    undo_until: datetime | None = None

    @classmethod
    def of(cls, status: TicketStatus) -> ActionResult:
        undo = {"action_id": status.action_id, "undo_until": status.undo_until}
        return cls.model_validate({"number": status.number, **asdict(status.ticket), **undo})


class InboundResult(BaseModel):
    ticket: str | None  # None when the message made no ticket
    created: bool
    duplicate: bool
    ignored: str | None = None  # the rule's reason for making no ticket
    # Kept for an administrator instead (unreadable, past a limit, sender over the
    # new-ticket limit): the reason, and the id `ticketflow quarantine show` takes.
    set_aside: str | None = None
    raw_id: int | None = None

    @classmethod
    def of(cls, result: IntakeResult) -> InboundResult:
        return cls(
            ticket=result.ticket_number or None,
            created=result.created,
            duplicate=result.duplicate,
            ignored=result.ignored,
            set_aside=result.set_aside,
            raw_id=result.raw_id or None,
        )


class SetAsideOut(BaseModel):
    """A message kept for review: why, when, from which route, how large (no mail text)."""

    raw_id: int
    state: str
    problem: str
    received_at: datetime
    source: str
    size: int
    envelope_to: list[str] | None = None  # on one message's page

    @classmethod
    def of(cls, entry: SetAside, envelope_to: list[str] | None = None) -> SetAsideOut:
        return cls(
            raw_id=entry.raw_id,
            state=entry.state.value,
            problem=entry.problem,
            received_at=entry.received_at,
            source=entry.source,
            size=entry.size,
            envelope_to=envelope_to,
        )


# Bodies of the agent actions; unknown fields are refused so a typo is not ignored.
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmptyBody(_Body):
    pass


class TextBody(_Body):
    text: str = Field(min_length=1, max_length=TEXT_LIMIT)


# A row's id in a body: past the largest a row can have it is refused, never queried.
RowIdInt = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
# Copies and files one agent's mail may carry.
MAX_COPIES, MAX_FILES = 20, 10
Copies = Annotated[list[EmailStr], Field(max_length=MAX_COPIES)]
UploadIds = Annotated[list[RowIdInt], Field(max_length=MAX_FILES)]


class MailBody(_Body):
    """An agent's own text, or an answer template by name (in the customer's language);
    copies to others (Cc, Bcc, or everyone the customer's last mail went to) and files he
    uploaded to the ticket (`POST /api/v1/tickets/{number}/uploads`)."""

    text: str | None = Field(default=None, min_length=1, max_length=TEXT_LIMIT)
    template: str | None = Field(default=None, min_length=1, max_length=64)
    cc: Copies = []
    bcc: Copies = []
    reply_all: bool = False
    attachments: UploadIds = []

    @model_validator(mode="after")
    def _one(self) -> MailBody:
        if (self.text is None) == (self.template is None):
            raise ValueError("give either text or template")
        return self


class UploadOut(BaseModel):
    """A file kept for the agent's mail on a ticket: name it in `attachments`."""

    id: int
    filename: str
    content_type: str
    size: int


class UploadList(BaseModel):
    uploads: list[UploadOut]


class ForwardBody(_Body):
    """An article sent on to an address (the customer is not copied), with a note above
    it, its files (all unless `files` names some of its attachments), the agent's uploads,
    and the original message attached whole where the desk says so."""

    article_id: RowIdInt
    to: EmailStr
    cc: Copies = []
    text: str | None = Field(default=None, min_length=1, max_length=TEXT_LIMIT)
    files: Annotated[list[RowIdInt], Field(max_length=MAX_COPIES)] | None = None
    attachments: UploadIds = []


class LanguageBody(_Body):
    language: Literal["en", "ru", "tr"]


class MacroOut(BaseModel):
    name: str
    title: str
    steps: list[str]  # the actions, in order
    uses: int  # how often this agent ran it
    key: str | None = None  # the console's key for it (the desk's, never by use)
    titles: dict[str, str] = {}  # its title by language, where the desk gives one
    hints: list[str] = []  # the hints that make it likely

    @classmethod
    def of(cls, macro: MacroConfig, uses: Mapping[str, int], keys: Mapping[str, str]) -> MacroOut:
        return cls(
            name=macro.name,
            title=macro.title or macro.name,
            steps=[s.action for s in macro.steps],
            uses=uses.get(macro.name, 0),
            key=keys.get(macro.name),
            titles=macro.titles,
            hints=macro.hints,
        )


class MacroList(BaseModel):
    macros: list[MacroOut]


class PreviewBody(MailBody):
    pass


class PreviewOut(BaseModel):
    subject: str
    language: str
    text: str
    html: str


class LinkBody(_Body):
    # The ticket to link with (or unlink from).
    number: str = Field(min_length=1, max_length=40)


class MergeBody(_Body):
    # The ticket this one repeats: this one's mail goes there, and this one closes.
    into: str = Field(min_length=1, max_length=40)


class MoveBody(_Body):
    queue: str = Field(min_length=1, max_length=100)


class UndoBody(_Body):
    # The `action_id` an action answered with.
    action_id: int = Field(ge=1, le=2**31 - 1)


class CloseBody(_Body):
    reason: str | None = Field(default=None, max_length=200)


class PriorityBody(_Body):
    priority: int = Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)


class FileTaskBody(_Body):
    """File a task in the project's tracker (`summary`, the first line, and `text`: the
    agent's words, with the ticket's link; nothing of the customer's unless he wrote it),
    or link the existing task `task`; either way the ticket waits on it."""

    summary: str | None = Field(default=None, min_length=1, max_length=250)
    text: str | None = Field(default=None, max_length=TEXT_LIMIT)
    task: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$"
    )

    @model_validator(mode="after")
    def _one(self) -> FileTaskBody:
        if (self.summary is None) == (self.task is None):
            raise ValueError("give either summary (a new task) or task (an existing one)")
        return self


class RestoreBody(_Body):
    channel: str = Field(min_length=1, max_length=40)  # one of the desk's `channels`
    reason: str = Field(min_length=1, max_length=200)


class RefuseBody(_Body):
    reason: str = Field(min_length=1, max_length=200)


class RemindBody(_Body):
    at: AwareDatetime  # when the ticket comes back to the agent


ActionBody = _Body
# Each agent action's body and what it does (the OpenAPI summary of its route).
ACTION_BODIES: dict[str, tuple[type[ActionBody], str]] = {
    "take": (EmptyBody, "Become the ticket's owner (another agent's ticket needs steal)"),
    "note": (TextBody, "Add an internal note the customer never sees"),
    "ask": (MailBody, "Ask the customer (text or template); the ticket waits for the reply"),
    "answer": (MailBody, "Answer the customer (text or template) and close the ticket"),
    "move": (MoveBody, "Move the ticket to another queue (and its line)"),
    "close": (CloseBody, "Close the ticket without mail, with an optional reason"),
    "reopen": (EmptyBody, "Open a closed ticket again in its last reply queue"),
    "priority": (PriorityBody, "Set the priority, 1 lowest to 5 highest"),
    "remind": (RemindBody, "Bring the ticket back to you at a time (ISO 8601 with its zone)"),
    "release": (EmptyBody, "Give the ticket you own back to its queue"),
    "language": (LanguageBody, "Set the language its answers are written in: en, ru or tr"),
    "forward": (ForwardBody, "Send an article on to another address, with a note and its files"),
    "verify": (EmptyBody, "Verify the ticket's claims against the account directory"),
    "restore": (RestoreBody, "Restore access by a channel, answer the customer, close"),
    "refuse": (RefuseBody, "Refuse to restore access, answer the customer, close"),
    "file-task": (FileTaskBody, "File a task in the tracker (or link one); the ticket waits on it"),
    "merge": (MergeBody, "Merge this ticket into another: its mail goes there, this one closes"),
}


# Tickets in one bulk request: a queue's page of selections, with room.
BULK_LIMIT = 500
BulkNumber = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]


class BulkBody(_Body):
    """One action on each ticket of `numbers`: `move` (with `queue`), `priority` (with
    `priority`), `close` (with an optional `reason`), `take`, `release`, or `macro` (with
    the macro's name in `macro`)."""

    numbers: list[BulkNumber] = Field(min_length=1, max_length=BULK_LIMIT)
    action: Literal["move", "priority", "close", "take", "release", "macro"]
    queue: str | None = Field(default=None, min_length=1, max_length=100)
    priority: int | None = Field(default=None, ge=MIN_PRIORITY, le=MAX_PRIORITY)
    reason: str | None = Field(default=None, max_length=200)
    macro: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _fields_of_the_action(self) -> BulkBody:
        if len(set(self.numbers)) != len(self.numbers):
            raise ValueError("a ticket is named twice in numbers")
        given = {
            name
            for name in ("queue", "priority", "reason", "macro")
            if getattr(self, name) is not None
        }
        wanted = BULK_FIELDS[self.action]
        if given - wanted:
            raise ValueError(f"{self.action} takes no {', '.join(sorted(given - wanted))}")
        required = wanted - {"reason"}
        if required - given:
            raise ValueError(f"{self.action} needs {', '.join(sorted(required - given))}")
        return self

    def fields(self) -> dict[str, object]:
        """What the action itself takes, as its single-ticket body would carry it."""
        return {name: getattr(self, name) for name in BULK_FIELDS[self.action]}


# The fields each bulk action takes (`reason` is optional, the others required).
BULK_FIELDS: Mapping[str, frozenset[str]] = {
    "move": frozenset({"queue"}),
    "priority": frozenset({"priority"}),
    "close": frozenset({"reason"}),
    "take": frozenset(),
    "release": frozenset(),
    "macro": frozenset({"macro"}),
}


class BulkOutcomeOut(BaseModel):
    """One ticket's result: `done` with the ticket as its workflow left it, or the kind of
    refusal (`refused`: a right; `conflict`: its state or owner; `unknown`: no such ticket
    of yours to see; `invalid`; `unavailable`: try again) with its code and reason."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    result: str
    ticket: ActionResult | None = None
    code: str | None = None
    reason: str | None = None


class BulkResult(BaseModel):
    done: int
    refused: int  # every ticket not done, whatever the kind
    results: list[BulkOutcomeOut]


class SearchHitOut(BaseModel):
    ticket: TicketSummary
    article_id: int | None  # the newest matching article; None when the number matched


class SearchResult(BaseModel):
    hits: list[SearchHitOut]


class ProjectOut(BaseModel):
    name: str
    queues: list[str]  # those the agent sees


class MeOut(BaseModel):
    """The calling agent: its groups (named with their projects), its projects and the
    queues it sees in each; `queues`: those of its first project."""

    name: str
    groups: list[str]
    projects: list[ProjectOut]
    queues: list[str]


class DeskQueueOut(BaseModel):
    name: str
    line: str
    group: str
    address: str | None  # what its mail comes from; None: the installation's default
    sla: str | None


class AnswerTemplateOut(BaseModel):
    name: str
    languages: list[str]  # the languages it is written in
    titles: dict[str, str] = {}  # how the console names it, by language (the desk's)


class DeskOut(BaseModel):
    """What this agent may use: its queues, the queues a move may target, its macros and
    the answer templates."""

    project: str
    queues: list[DeskQueueOut]
    move_targets: list[str]  # the queues it may move a ticket into (move_into)
    macros: list[MacroOut]
    templates: list[AnswerTemplateOut]
    time_zone: str = "UTC"  # where its agents work (IANA)


class AgentOut(BaseModel):
    """An agent as administrators see it: never a token."""

    name: str
    groups: list[str]
    created_at: datetime
    disabled_at: datetime | None


class NewAgentBody(_Body):
    name: str = Field(min_length=1, max_length=100)
    groups: list[str] = Field(min_length=1, max_length=100)


class GroupsBody(_Body):
    groups: list[str] = Field(min_length=1, max_length=100)


class PasswordBody(_Body):
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    name: str
    token: str  # shown this once; only its hash is kept


class AuditOut(BaseModel):
    agent: str  # "" for a change of a project's rights
    change: str  # created, disabled, enabled, groups, token, rights
    detail: str | None
    actor: str
    at: datetime
    projects: list[str]
