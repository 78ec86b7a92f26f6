"""A project's Passwords work: what a customer who lost access is asked, where the
account directory is, how long his claims are kept, how access may be restored.

The claims themselves are personal data: this config names and types them, nothing more
(docs/domain.md, "Passwords").
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ticketflow.desk.strict import StrictModel

CLAIM_NAME = r"^[a-z][a-z0-9_]{0,39}$"
# How a claim is read and compared (ticketflow.accounts.matching).
ClaimKind = Literal["date", "phone", "text", "email"]


class ClaimField(StrictModel):
    """One thing the customer is asked about his account."""

    name: str = Field(pattern=CLAIM_NAME)
    kind: ClaimKind = "text"
    # What the form and the console call it, by language: {en: ..., ru: ...}.
    titles: dict[Literal["en", "ru", "tr"], str] = {}
    # A near answer counts as `partial` (a date with two of its three parts right, a
    # phone's last four digits, a name with one word of two); False: match or mismatch.
    partial: bool = True


class DirectoryConfig(StrictModel):
    """Where the project's accounts are: our own table (`ticketflow accounts import`), or
    the provider's service over HTTP (docs/directory.md)."""

    kind: Literal["table", "http"] = "table"
    url: str | None = Field(default=None, pattern=r"^https?://")
    # The environment variable holding the service's bearer token (never the desk file).
    token_env: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{0,99}$")
    timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    retries: int = Field(default=2, ge=0, le=5)
    # After this many failures in a row the directory is not asked for `open_seconds`.
    failures_to_open: int = Field(default=5, ge=1, le=100)
    open_seconds: float = Field(default=30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _check(self) -> DirectoryConfig:
        if self.kind == "http" and not self.url:
            raise ValueError("an http directory needs its url")
        return self


class PasswordsConfig(StrictModel):
    """The project's lost-access work (`passwords:` in its desk)."""

    claims: list[ClaimField] = Field(min_length=1)
    directory: DirectoryConfig = DirectoryConfig()
    # A closed ticket's claims are destroyed this many days after it closed.
    purge_days: float = Field(default=30, ge=0, le=3650)
    # How access may be restored (the restore action names one).
    channels: list[str] = Field(default=["recovery-address", "sms"], min_length=1)
    # Phone numbers written without a country code are read as this country's (ISO 3166).
    phone_region: str = Field(default="RU", pattern=r"^[A-Z]{2}$")
    # The templates the customer is answered from on each decision (templates/decisions/).
    restored_template: str = "access_restored"
    refused_template: str = "access_refused"
    # The customer form's topics (their names in each language) whose form asks the claims
    # in a section of its own; they reach the ticket sealed, never in its mail.
    help_topics: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> PasswordsConfig:
        names = [c.name for c in self.claims]
        if len(set(names)) != len(names):
            raise ValueError("claim names must be unique")
        for channel in self.channels:
            if not re.fullmatch(r"[a-z][a-z0-9-]{0,39}", channel):
                raise ValueError(f"channel {channel!r}: lowercase words and dashes only")
        return self

    def field(self, name: str) -> ClaimField | None:
        return next((c for c in self.claims if c.name == name), None)
