"""The SQL read model: tickets, articles, raw mail, history, queues and agents.

The workflow owns each ticket's lifecycle; these tables are its projection plus
the claim-checked content (mail bodies, raw messages) that never enters workflow
history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("project", "name", name="uq_queues_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    line: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(100))


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # sha256 of the bearer token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    groups: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A disabled agent's token is refused; the agent stays, as tickets and history name it.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The console's password (argon2); None: the agent signs in only with his token (API).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # the console's


class ConsoleSession(Base):
    """A signed-in console session: the cookie's hash, never the cookie itself."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent: Mapped[str] = mapped_column(String(100), index=True)
    csrf: Mapped[str] = mapped_column(String(64))  # every form of the session carries it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """A failed sign-in, counted per name and per client to refuse guessing."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_name", "name", "at"),
        Index("ix_sign_in_failures_client", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketViewer(Base):
    """An agent with the ticket open in the console, as of `seen_at` (his page refreshes
    it while it stays open): the others see who else works on it."""

    __tablename__ = "ticket_viewers"

    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelpArticleRow(Base):
    """A help article of the customer form, as the desk's help/ files had it at start
    (ticketflow.desk.help); searched in full text (migration 0017)."""

    __tablename__ = "help_articles"
    __table_args__ = (
        UniqueConstraint("project", "language", "slug", name="uq_help_articles_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)  # the files' order
    topic: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown


class FormPost(Base):
    """A request sent through the customer form, counted per client address."""

    __tablename__ = "form_posts"
    __table_args__ = (Index("ix_form_posts_client", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentChange(Base):
    """An audit record: who changed an agent, how and when (kept when the agent is not)."""

    __tablename__ = "agent_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(100), index=True)
    # created, disabled, enabled, groups, token, password; rights (in the desk config)
    change: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ",mail,social,": the projects the change concerns (the agent's, before and after).
    projects: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class ProjectRights(Base):
    """Each project's groups and their rights as last seen in the desk config: a change
    there is recorded in the audit log when a process starts with it."""

    __tablename__ = "project_rights"

    project: Mapped[str] = mapped_column(String(100), primary_key=True)
    rights: Mapped[str] = mapped_column(Text)  # canonical JSON
    # The project's own Temporal namespace when it last started (None: the installation's).
    namespace: Mapped[str | None] = mapped_column(String(100), nullable=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RawMessage(Base):
    """A delivered message, byte-exact, stored before the sender is answered and before
    anything reads it (ticketflow.store.inbox)."""

    __tablename__ = "raw_messages"
    __table_args__ = (
        # One article per message: a copy delivered again is a duplicate; the same
        # Message-ID on other content is a message of its own.
        UniqueConstraint("message_id", "content_digest", name="uq_raw_messages_message_content"),
        Index("ix_raw_messages_state", "state", "received_at"),
        Index("ix_raw_messages_new_ticket_sender", "new_ticket_sender", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A hash of the bytes: the same bytes delivered again are one row. (Rows from before
    # raw messages were kept unread hold the Message-ID here.)
    dedup_key: Mapped[str] = mapped_column(String(1000), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ticketflow.store.inbox.RawState: received, read, ignored, duplicate, quarantined...
    state: Mapped[str] = mapped_column(String(20), default="received", server_default="read")
    # Why it was set aside (quarantined or held); for an administrator, never mail text.
    problem: Mapped[str | None] = mapped_column(String(500))
    # The project it was sent to, once known (read, or set aside): whose admins review it.
    # None: from before projects were kept here, the first project's.
    project: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(1000), index=True)
    # What two deliveries of one message share (ticketflow.mail.bounded.content_digest).
    content_digest: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(20))  # mail, mailgun, smtp...
    envelope: Mapped[str | None] = mapped_column(Text)  # JSON list of envelope recipients
    # The sender (as the per-sender limit counts it) when this message opened a ticket.
    new_ticket_sender: Mapped[str | None] = mapped_column(String(320))
    # Why a routing rule made no ticket of it (kept all the same); None: it has an article.
    ignored: Mapped[str | None] = mapped_column(String(300))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Queue views: the oldest pending tickets of a queue in a state, keyset-paginated.
        Index("ix_tickets_queue_state_pending", "project", "queue", "state", "pending_since", "id"),
        # And ix_tickets_queue_state_priority (priority DESC, pending_since, id), for a
        # view in priority order: made by migration 0020 only, as the autogenerate
        # comparison cannot read a descending column back.
        Index("ix_tickets_state_pending", "state", "pending_since", "id"),
        Index("ix_tickets_escalation", "escalation_at"),
        Index("ix_tickets_owner", "owner", "state"),
        Index("ix_tickets_customer", "customer", "id"),
        # Open tickets by age, for the reports.
        Index("ix_tickets_project_state_created", "project", "state", "created_at"),
        # The tickets merged into one (its page lists them).
        Index("ix_tickets_merged_into", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The project whose desk the ticket is in (ticketflow.desk.projects); its queue is one
    # of that desk's.
    project: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500), default="")
    customer: Mapped[str] = mapped_column(String(320), default="")
    # The language answers are written in: detected from the first message, or set.
    language: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(Integer)
    reply_queue: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Since when the customer has been waiting on us; queue views sort on it.
    pending_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The earliest deadline of a running escalation clock (past when breached); None: none.
    escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The workflow's projection version: a projection with a version not above
    # this one was already written and is skipped.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The ticket this one was merged into (its mail moved there; later mail to this one's
    # number goes there too); None: not merged.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out | note
    # received | draft | queued | sent | failed
    status: Mapped[str] = mapped_column(String(12))
    from_addr: Mapped[str] = mapped_column(String(1000), default="")
    to_addr: Mapped[str] = mapped_column(String(2000), default="")
    # An agent's mail: whom it is copied to (Cc), and blind (Bcc: never in its header).
    cc_addr: Mapped[str | None] = mapped_column(String(2000))
    bcc_addr: Mapped[str | None] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(1000), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    # Inbound: the sender's HTML, sanitised for display. Outbound: the HTML part as sent.
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(1000), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(1000))
    references: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"), unique=True)
    # Set on system-made articles (automatic replies) so a retry makes no second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # An inbound delivery failure report about one of our mails.
    bounce: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class HistoryEvent(Base):
    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_history_ticket_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # Numbered by the workflow, so a retried projection writes each event once.
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    from_queue: Mapped[str | None] = mapped_column(String(100))
    to_queue: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(1000))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))


class QueueCount(Base):
    """Tickets per (project, queue, state), kept by the projection so queue lists need no
    scan."""

    __tablename__ = "queue_counts"

    project: Mapped[str] = mapped_column(String(100), primary_key=True)
    queue: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Blob(Base):
    """Attachment contents, stored once however many messages carry them."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleAttachment(Base):
    __tablename__ = "article_attachments"
    __table_args__ = (Index("ix_article_attachments_article", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(String(500))
    # None when larger than the limit: listed, kept in the raw message, not stored apart.
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))


class Upload(Base):
    """A file an agent uploaded to attach to his mail on a ticket (stored as a blob, like
    an inbound attachment; the mail's article lists it when it is sent)."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_ticket_agent", "ticket_id", "agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    agent: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketTag(Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class TicketLink(Base):
    """Two tickets an agent linked as related (one customer, one problem), shown on both.
    A pair is one row, the lower id first; who linked it and when are the link's own."""

    __tablename__ = "ticket_links"
    __table_args__ = (
        UniqueConstraint("ticket_id", "other_id", name="uq_ticket_links"),
        CheckConstraint("ticket_id < other_id", name="ck_ticket_links_order"),
        Index("ix_ticket_links_other", "other_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Incident(Base):
    """One outage's tickets together (docs/domain.md, "Incidents"): its title and status
    for agents, the rule that links new tickets while it is open, and the answer to all
    and the final answer (a template by name, or the agent's text: kept here, since a
    mail's text never enters workflow history). Its workflow (`incident-<id>`) is the
    source of truth for its state; this row is what faces read."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_project_state", "project", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    status_text: Mapped[str] = mapped_column(Text, default="")
    # open, answering, paused, answered, closing, closed (ticketflow.tickets.incidents)
    state: Mapped[str] = mapped_column(String(20), default="open")
    rule: Mapped[str | None] = mapped_column(Text)  # JSON list of routing-rule conditions
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_template: Mapped[str | None] = mapped_column(String(100))
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_template: Mapped[str | None] = mapped_column(String(100))
    final_text: Mapped[str | None] = mapped_column(Text)
    close_queue: Mapped[str | None] = mapped_column(String(100))  # move there, not close
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentTicket(Base):
    """A ticket linked to an incident, and what each of the incident's two mails (the
    answer to all, the final answer) did to it: `sent` (its article), `refused` (why), or
    neither yet (pending). The draft is kept from before the ticket's workflow is asked,
    so that a retried attempt asks with the same article: the ticket takes it once."""

    __tablename__ = "incident_tickets"
    __table_args__ = (Index("ix_incident_tickets_ticket", "ticket_id"),)

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    linked_by: Mapped[str] = mapped_column(String(100))  # an agent, or "rule"
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_draft_id: Mapped[int | None] = mapped_column(Integer)
    answer_state: Mapped[str | None] = mapped_column(String(20))
    # Why it was refused: the reason's code, message and parameters, as JSON.
    answer_reason: Mapped[str | None] = mapped_column(Text)
    final_draft_id: Mapped[int | None] = mapped_column(Integer)
    final_state: Mapped[str | None] = mapped_column(String(20))
    final_reason: Mapped[str | None] = mapped_column(Text)


class TicketHint(Base):
    """A topic a routing rule found, and why: which rule matched what in which message."""

    __tablename__ = "ticket_hints"
    __table_args__ = (Index("ix_ticket_hints_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    topic: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(200))
    part: Mapped[str] = mapped_column(String(100))
    matched: Mapped[str] = mapped_column(String(200))


class MacroUse(Base):
    """How often an agent ran a macro: their macros are listed most used first."""

    __tablename__ = "macro_uses"

    agent: Mapped[str] = mapped_column(String(100), primary_key=True)
    macro: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AutoReplyCount(Base):
    """Automatic replies sent to an address on a UTC day: the per-sender daily limit."""

    __tablename__ = "auto_reply_counts"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class WebhookToken(Base):
    """A signed provider request's token, kept for its validity window: used once only."""

    __tablename__ = "webhook_tokens"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketReport(Base):
    """A ticket's figures for the reports (ticketflow.tickets.reporting), kept by the
    projection; also the fold's memory between events."""

    __tablename__ = "ticket_reports"
    __table_args__ = (Index("ix_ticket_reports_created", "project", "created_at"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_queue: Mapped[str | None] = mapped_column(String(100))
    first_line_wait_s: Mapped[int | None] = mapped_column(Integer)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_s: Mapped[int | None] = mapped_column(Integer)
    first_response_business_s: Mapped[int | None] = mapped_column(Integer)
    first_mail: Mapped[str | None] = mapped_column(String(20))
    second_line: Mapped[bool] = mapped_column(Boolean, default=False)
    first_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    within_day: Mapped[bool] = mapped_column(Boolean, default=False)
    first_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    breaches: Mapped[str] = mapped_column(String(100), default="")
    queue_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_seq: Mapped[int | None] = mapped_column(Integer)
    first_answer_seq: Mapped[int | None] = mapped_column(Integer)
    routed_seq: Mapped[int | None] = mapped_column(Integer)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed_into: Mapped[str | None] = mapped_column(String(100))


class ReportEvent(Base):
    """A reportable event (an agent's action, a customer's message, a route, a close, an SLA
    breach) with its project, so reports of a period read an index range."""

    __tablename__ = "report_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_report_events_ticket_seq"),
        # The agents' rows of a period, read without the table on PostgreSQL (the only
        # range read of these rows: counts come from the hourly sums).
        Index(
            "ix_report_events_agents",
            "project",
            "at",
            postgresql_include=["actor", "ticket_id", "handling_s"],
            postgresql_where=text("by_agent"),
            sqlite_where=text("by_agent"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    project: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    queue: Mapped[str] = mapped_column(String(100))
    to_queue: Mapped[str] = mapped_column(String(100))
    line: Mapped[str] = mapped_column(String(20))
    closes: Mapped[bool] = mapped_column(Boolean, default=False)
    handling_s: Mapped[int | None] = mapped_column(Integer)
    first_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    clock: Mapped[str | None] = mapped_column(String(20))
    wrong_routing: Mapped[bool] = mapped_column(Boolean, default=False)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by the customer
    by_agent: Mapped[bool] = mapped_column(Boolean, default=False)  # an agent's action


class ReportHour(Base):
    """The reportable events summed per hour (UTC) and kind, kept with them: a report of a
    day reads a few hundred of these instead of its tens of thousands of events."""

    __tablename__ = "report_hours"

    project: Mapped[str] = mapped_column(String(100), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    queue: Mapped[str] = mapped_column(String(100), primary_key=True)
    to_queue: Mapped[str] = mapped_column(String(100), primary_key=True)
    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    clock: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" but for breaches
    by_agent: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    closes: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    wrong_routing: Mapped[int] = mapped_column(Integer, default=0)


class ReportAgentHour(Base):
    """Agents' actions summed per hour (UTC), agent and action."""

    __tablename__ = "report_agent_hours"

    project: Mapped[str] = mapped_column(String(100), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100), primary_key=True)
    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    first_contact: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    wrong_routing: Mapped[int] = mapped_column(Integer, default=0)


class DirectoryAccount(Base):
    """An account of a project's own directory table (`ticketflow accounts import`): its
    dates and state in columns, its personal facts sealed (ticketflow.accounts.sealing)."""

    __tablename__ = "directory_accounts"
    __table_args__ = (UniqueConstraint("project", "address", name="uq_directory_accounts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(320))  # normalised (lowercase)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    facts_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DirectoryChange(Base):
    """One change of a directory account (its kind and time, nothing of its content);
    a restore made by a ticket carries its key, so it is made once."""

    __tablename__ = "directory_changes"
    __table_args__ = (UniqueConstraint("account_id", "kind", "at", name="uq_directory_changes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("directory_accounts.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)


class SealedClaims(Base):
    """What a customer says about his account, sealed (ticketflow.accounts.sealing): the
    item names in the clear (which were given), their values never. Destroyed the desk's
    `purge_days` after the ticket closes."""

    __tablename__ = "sealed_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    names: Mapped[str] = mapped_column(String(1000))  # comma-separated item names
    recorded_by: Mapped[str] = mapped_column(String(100))  # an agent, or "customer"
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Verification(Base):
    """One verification of a ticket's claims: a verdict per item and the account's
    changes as kinds and times; nothing the customer or the directory said."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    claims_id: Mapped[int] = mapped_column(Integer)  # the claims verified (gone once purged)
    account_found: Mapped[bool] = mapped_column(Boolean)
    verdicts: Mapped[str] = mapped_column(Text)  # JSON [{name, verdict}]
    changes: Mapped[str] = mapped_column(Text)  # JSON [{kind, at}]
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackerTask(Base):
    """A ticket's link to a task in its project's tracker: filed from one of its notes
    (`article_id`: the task is filed once per note), or an existing task linked."""

    __tablename__ = "tracker_tasks"
    __table_args__ = (
        UniqueConstraint("project", "key", "ticket_id", name="uq_tracker_tasks"),
        Index("ix_tracker_tasks_key", "project", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(1000))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    article_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
