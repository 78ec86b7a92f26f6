"""The account directory as a table of our own database: what `ticketflow accounts import`
loads, for the embedded default and for providers without a service of their own. The
facts are sealed there as the claims are; a restore is a change row keyed once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.accounts.directory import (
    ACCESS_RESTORED,
    Account,
    AccountMissing,
    Change,
)
from ticketflow.accounts.sealing import Sealer
from ticketflow.store.models import DirectoryAccount, DirectoryChange, utcnow


def facts_binding(project: str, address: str) -> str:
    return f"account:{project}:{address}"


class TableDirectory:
    def __init__(self, sessions: sessionmaker[Session], sealer: Sealer, project: str) -> None:
        self._sessions, self._sealer, self._project = sessions, sealer, project

    def lookup(self, address: str) -> Account | None:
        address = address.strip().lower()
        with self._sessions() as session:
            row = self._row(session, address)
            if row is None:
                return None
            changes = session.scalars(
                select(DirectoryChange).where(DirectoryChange.account_id == row.id)
            ).all()
            facts = (
                self._sealer.open(row.facts_sealed, facts_binding(self._project, address))
                if row.facts_sealed
                else {}
            )
            return Account(
                address=row.address,
                created_at=row.created_at,
                frozen=row.frozen,
                last_sign_in_at=row.last_sign_in_at,
                facts=facts,
                changes=tuple(Change(c.kind, c.at) for c in changes),
            )

    def restore(self, address: str, channel: str, key: str) -> None:
        address = address.strip().lower()
        try:
            with self._sessions.begin() as session:
                row = self._row(session, address)
                if row is None:
                    raise AccountMissing(address)
                if session.scalars(
                    select(DirectoryChange.id).where(DirectoryChange.key == key)
                ).first():
                    return  # made already: once per key
                row.frozen = False
                session.add(
                    DirectoryChange(account_id=row.id, kind=ACCESS_RESTORED, at=utcnow(), key=key)
                )
        except IntegrityError:
            return  # another attempt with the same key won the race

    def _row(self, session: Session, address: str) -> DirectoryAccount | None:
        return session.scalars(
            select(DirectoryAccount).where(
                DirectoryAccount.project == self._project, DirectoryAccount.address == address
            )
        ).first()
