"""The account directory: what the provider knows of an account, behind one interface
with two adapters (our own table, the provider's service over HTTP).

An `Account` holds personal facts (a birth date, a phone) for a verification to compare
in memory; `AccountSummary` is what an agent may see: no personal fact, only whether the
account exists, its dates, whether it is frozen and the kinds of its recent changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# A change's kind: lowercase words joined by dashes (password, phone, recovery-address,
# new-country-sign-in, frozen, unfrozen, access-restored).
CHANGE_KIND = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
ACCESS_RESTORED = "access-restored"
# The kinds the docs name (docs/directory.md) and the console says in its words; a
# directory may send others, shown as they are.
KNOWN_CHANGES = (
    "password",
    "phone",
    "recovery-address",
    "new-country-sign-in",
    "frozen",
    "unfrozen",
    ACCESS_RESTORED,
)
# The account panel shows this many of the newest changes.
RECENT_CHANGES = 10


class DirectoryUnavailable(Exception):
    """The directory could not answer now (down, slow, erroring, or its breaker open)."""


class AccountMissing(LookupError):
    """The directory knows no such account."""


@dataclass(frozen=True)
class Change:
    kind: str
    at: datetime


@dataclass(frozen=True)
class AccountSummary:
    """An account as an agent may see it: nothing personal."""

    exists: bool
    created_at: datetime | None = None
    frozen: bool = False
    last_sign_in_at: datetime | None = None
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Account:
    address: str
    created_at: datetime | None = None
    frozen: bool = False
    last_sign_in_at: datetime | None = None
    # Personal: compared with a customer's claims in memory, never shown or kept.
    facts: Mapping[str, str] = field(default_factory=dict, repr=False)
    changes: tuple[Change, ...] = ()

    def summary(self) -> AccountSummary:
        newest = sorted(self.changes, key=lambda c: c.at, reverse=True)[:RECENT_CHANGES]
        return AccountSummary(
            exists=True,
            created_at=self.created_at,
            frozen=self.frozen,
            last_sign_in_at=self.last_sign_in_at,
            changes=tuple(newest),
        )


class Directory(Protocol):
    """One project's accounts."""

    def lookup(self, address: str) -> Account | None:
        """The account at `address`, None if there is none; DirectoryUnavailable."""
        ...

    def restore(self, address: str, channel: str, key: str) -> None:
        """Give the account's owner access again by `channel`, once per `key` (a second
        call with the same key does nothing); AccountMissing, DirectoryUnavailable."""
        ...
