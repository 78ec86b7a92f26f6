"""The Passwords work over a project's directory: verify a ticket's sealed claims, restore
access once, and the account's non-personal summary for the panel beside a ticket.

The claims are opened in memory only, compared, and forgotten: what is kept and returned
is a verdict per item and the account's changes as kinds and times. The account is the
one the claims name (`account`, the address whose access was lost), else the customer's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from threading import Lock

from sqlalchemy.orm import Session, sessionmaker

from ticketflow.accounts.directory import (
    AccountSummary,
    Directory,
    DirectoryUnavailable,
)
from ticketflow.accounts.http import HttpDirectory
from ticketflow.accounts.matching import ItemVerdict, summary, verify
from ticketflow.accounts.sealing import Sealer
from ticketflow.accounts.table import TableDirectory
from ticketflow.desk.passwords import PasswordsConfig
from ticketflow.desk.projects import Projects
from ticketflow.store.claims import binding, claims_row, record_verification
from ticketflow.store.models import Ticket

# The claim that names the account whose access was lost, when not the sender's own.
ACCOUNT_CLAIM = "account"
# How long the panel's summary of an account is reused (a page view, its reloads).
SUMMARY_SECONDS = 30.0


class NoPasswords(LookupError):
    """The ticket's project has no `passwords:` in its desk."""


@dataclass(frozen=True)
class Outcome:
    verdicts: list[ItemVerdict]
    account_found: bool
    summary: str


@dataclass
class _Cached:
    at: float
    summary: AccountSummary


@dataclass
class Accounts:
    """Every project's directory, made once per process (an HTTP directory's breaker must
    outlive a request)."""

    sessions: sessionmaker[Session]
    projects: Projects
    sealer: Sealer
    _directories: dict[str, Directory] = field(default_factory=dict)
    _cache: dict[tuple[str, str], _Cached] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def config(self, project: str) -> PasswordsConfig:
        found = self.projects.get(project)
        if found is None or found.desk.passwords is None:
            raise NoPasswords(project)
        return found.desk.passwords

    def directory(self, project: str) -> Directory:
        with self._lock:
            if project not in self._directories:
                self._directories[project] = self._make(project, self.config(project))
            return self._directories[project]

    def _make(self, project: str, config: PasswordsConfig) -> Directory:
        where = config.directory
        if where.kind == "http":
            token = os.environ.get(where.token_env) if where.token_env else None
            return HttpDirectory(where, token)
        return TableDirectory(self.sessions, self.sealer, project)

    def _case(self, ticket_id: int, claims_id: int) -> tuple[Ticket, dict[str, str]]:
        """The ticket (detached) and its claims as the customer gave them ({} once purged),
        read in one session."""
        with self.sessions() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            row = claims_row(session, claims_id)
            claims = {}
            if row is not None and row.ticket_id == ticket_id:
                claims = self.sealer.open(row.sealed, binding(claims_id, ticket_id))
            session.expunge(ticket)
        return ticket, claims

    def verify(self, ticket_id: int, claims_id: int) -> Outcome:
        """Compare the claims with the directory and record the verdicts; raises
        DirectoryUnavailable (nothing recorded then)."""
        ticket, claims = self._case(ticket_id, claims_id)
        config = self.config(ticket.project)
        account = self.directory(ticket.project).lookup(self.account_of(ticket, claims))
        fields = [f for f in config.claims if f.name != ACCOUNT_CLAIM]
        facts = account.facts if account is not None else None
        verdicts = verify(fields, claims, facts, config.phone_region)
        changes = account.summary().changes if account is not None else ()
        with self.sessions.begin() as session:
            record_verification(
                session,
                ticket_id,
                claims_id,
                account is not None,
                [{"name": v.name, "verdict": v.verdict.value} for v in verdicts],
                [{"kind": c.kind, "at": c.at.isoformat()} for c in changes],
            )
        said = summary(verdicts) if account is not None else "no such account"
        return Outcome(verdicts, account is not None, said)

    def restore(self, ticket_id: int, claims_id: int, channel: str, key: str) -> None:
        """Restore access to the claimed account through the directory, once per `key`."""
        ticket, claims = self._case(ticket_id, claims_id)
        address = self.account_of(ticket, claims)
        self.directory(ticket.project).restore(address, channel, key)
        self._forget(ticket.project, address)

    @staticmethod
    def account_of(ticket: Ticket, claims: Mapping[str, str]) -> str:
        return (claims.get(ACCOUNT_CLAIM) or ticket.customer).strip().lower()

    def summary(self, project: str, address: str) -> AccountSummary:
        """The panel's view of an account, reused for SUMMARY_SECONDS; raises
        DirectoryUnavailable and NoPasswords."""
        key = (project, address.strip().lower())
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached.at < SUMMARY_SECONDS:
            return cached.summary
        account = self.directory(project).lookup(key[1])
        found = account.summary() if account is not None else AccountSummary(exists=False)
        with self._lock:
            self._cache[key] = _Cached(now, found)
            if len(self._cache) > 10_000:
                self._cache.clear()
        return found

    def _forget(self, project: str, address: str) -> None:
        with self._lock:
            self._cache.pop((project, address), None)


__all__ = ["Accounts", "DirectoryUnavailable", "NoPasswords", "Outcome"]
