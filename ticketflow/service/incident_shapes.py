"""Incidents' shapes: what agents send to make, link, answer, pause and close one, and
how far its mail is (counted from the read model)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ticketflow.desk.rules import ConditionConfig
from ticketflow.service.shapes import BULK_LIMIT, TEXT_LIMIT, BulkNumber
from ticketflow.tickets.reasons import Reason

IncidentStateName = Literal["open", "answering", "paused", "answered", "closing", "closed"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentBody(_Body):
    """A new incident of `project`. `status`: what agents should know (shown on its page
    and given to the answer's template); `rule`: conditions as a routing rule's (`field`:
    subject, body, sender, recipients, attachments or `header:Name`; `keywords` or
    `regex`), any of which links a new ticket while the incident is open."""

    project: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=200)
    status: str = Field(default="", max_length=2000)
    rule: list[ConditionConfig] | None = Field(default=None, min_length=1, max_length=20)


class IncidentTicketsBody(_Body):
    numbers: list[BulkNumber] = Field(min_length=1, max_length=BULK_LIMIT)


class IncidentMailBody(_Body):
    """A mail to every linked ticket: an answer template by name (rendered in each
    customer's language), or one text."""

    text: str | None = Field(default=None, min_length=1, max_length=TEXT_LIMIT)
    template: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one(self) -> IncidentMailBody:
        if (self.text is None) == (self.template is None):
            raise ValueError("give either text or template")
        return self


class IncidentCloseBody(IncidentMailBody):
    """The final answer; the linked tickets still open are closed by it, or, with
    `queue`, asked by it and moved there."""

    queue: str | None = Field(default=None, min_length=1, max_length=100)


class MailProgress(BaseModel):
    sent: int
    pending: int  # 0 before the mail is ordered
    refused: int
    skipped: int  # the final answer: tickets closed already


class TicketRefusal(BaseModel):
    number: str
    code: str
    reason: str
    # The reason with its parameters, for a face that says it in another language.
    why: Reason | None = Field(default=None, exclude=True)


class IncidentTicketOut(BaseModel):
    number: str
    state: str
    queue: str
    linked_by: str  # an agent, or "rule"
    answer: Literal["sent", "refused"] | None  # None: pending, or no answer yet
    final: Literal["sent", "refused", "skipped"] | None


class IncidentOut(BaseModel):
    id: int
    project: str
    title: str
    status: str
    state: IncidentStateName
    rule: list[ConditionConfig] | None
    created_by: str
    created_at: datetime
    linked: int
    # The answer to all: sent, pending and refused (the contract's top-level counts).
    sent: int
    pending: int
    refused: int
    answer: str | None  # its template's name, or "text"; None before it is given
    answered_by: str | None
    final: MailProgress
    closed_by: str | None
    close_queue: str | None
    # Up to 100 refusals of each mail, the lowest ticket number first.
    refusals: list[TicketRefusal]
    final_refusals: list[TicketRefusal]
    # The latest linked tickets (up to 100) you may read, and what each mail did to each.
    tickets: list[IncidentTicketOut] = []


class IncidentSummary(BaseModel):
    id: int
    project: str
    title: str
    state: IncidentStateName
    created_by: str
    created_at: datetime


class IncidentList(BaseModel):
    incidents: list[IncidentSummary]


class IncidentLinked(BaseModel):
    linked: list[str]  # linked now
    already: list[str]  # linked before
    refused: list[TicketRefusal]  # not linked, and why
    incident: IncidentOut


class WarningOut(BaseModel):
    """New tickets of one queue (`kind` queue) or with one hint (`kind` hint) in the last
    hour, against the same hour's mean over the past four weeks."""

    project: str
    kind: Literal["queue", "hint"]
    name: str
    count: int
    usual: float


class WarningList(BaseModel):
    warnings: list[WarningOut]


class SurgeBody(_Body):
    """A surge to make an incident of (as a warning names it)."""

    project: str = Field(min_length=1, max_length=100)
    kind: Literal["queue", "hint"]
    name: str = Field(min_length=1, max_length=100)
