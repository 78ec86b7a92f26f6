"""The Passwords tools' shapes: claims in, verdicts and the account's non-personal facts
out. No shape here carries a claim's value or a directory's fact back to anyone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ticketflow.desk.passwords import CLAIM_NAME

ClaimName = Annotated[str, StringConstraints(pattern=CLAIM_NAME)]
ClaimValue = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
VerdictName = Literal["match", "mismatch", "partial", "unknown"]


class ClaimsBody(BaseModel):
    """What the customer says about his account, item by item (the desk names the items);
    sealed as it arrives and never shown again."""

    model_config = ConfigDict(extra="forbid")

    items: dict[ClaimName, ClaimValue] = Field(min_length=1, max_length=20)


class ClaimsOut(BaseModel):
    number: str
    recorded: list[str]  # the items' names (their values are sealed)
    action_id: int | None = None


class VerdictOut(BaseModel):
    name: str
    verdict: VerdictName


class ChangeOut(BaseModel):
    kind: str
    at: datetime


class DecisionOut(BaseModel):
    decision: Literal["restore", "refuse"]
    by: str
    at: datetime
    channel: str | None = None
    reason: str | None = None


class VerificationOut(BaseModel):
    """The latest verification of the ticket's claims: a verdict per item and the
    account's changes as kinds and times, and the decision taken; nothing else."""

    claims: list[str]  # the items recorded (names); [] once purged or never given
    items: list[VerdictOut]
    changes: list[ChangeOut]
    account_found: bool | None = None  # None: not verified yet
    verified_at: datetime | None = None
    decision: DecisionOut | None = None


class AccountOut(BaseModel):
    """The directory's non-personal facts of the ticket's customer's account."""

    status: Literal["found", "missing", "unavailable", "none"]  # none: no directory
    created_at: datetime | None = None
    frozen: bool | None = None
    last_sign_in_at: datetime | None = None
    changes: list[ChangeOut] = []
