"""Loading a project's directory table from a file (`ticketflow accounts import FILE`).

JSON Lines (one object an account) or CSV (a header row), with `address`, optional
`created_at`, `frozen`, `last_sign_in_at`, `changes`, and a column per claim the
project's desk names (its personal facts, sealed as they are stored). In CSV, `changes`
is `kind=ISO time` pairs joined by `;`. Importing the same file again changes nothing:
accounts are matched by address, changes by kind and time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.accounts.directory import CHANGE_KIND
from ticketflow.accounts.sealing import Sealer
from ticketflow.accounts.table import facts_binding
from ticketflow.store.models import DirectoryAccount, DirectoryChange, utcnow

KNOWN = {"address", "created_at", "frozen", "last_sign_in_at", "changes"}
BATCH = 500


class AccountFileError(ValueError):
    """A line that cannot be imported: the file, its line and why (nothing is kept of it)."""


@dataclass
class Imported:
    accounts: int = 0
    changes: int = 0


@dataclass(frozen=True)
class AccountRecord:
    address: str
    created_at: datetime | None
    frozen: bool
    last_sign_in_at: datetime | None
    facts: dict[str, str]
    changes: list[tuple[str, datetime]]


def read_records(path: Path, fact_names: frozenset[str]) -> Iterator[tuple[int, AccountRecord]]:
    """Each account of the file with its line number; AccountFileError on the first bad one."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=2):
            fields = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            if "changes" in fields:
                fields["changes"] = _csv_changes(fields["changes"], number)
            yield number, _record(fields, fact_names, number)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AccountFileError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(fields, dict):
            raise AccountFileError(f"line {number}: not a JSON object")
        yield number, _record(fields, fact_names, number)


def _csv_changes(text: str, number: int) -> list[dict[str, str]]:
    changes = []
    for part in text.split(";"):
        kind, sep, at = part.strip().partition("=")
        if not sep:
            raise AccountFileError(f"line {number}: a change is `kind=ISO time`")
        changes.append({"kind": kind.strip(), "at": at.strip()})
    return changes


def _record(fields: Mapping[str, Any], fact_names: frozenset[str], number: int) -> AccountRecord:
    unknown = sorted(set(fields) - KNOWN - fact_names)
    if unknown:
        known = ", ".join(sorted(KNOWN | fact_names))
        raise AccountFileError(f"line {number}: unknown field {unknown[0]!r}; known: {known}")
    address = str(fields.get("address") or "").strip().lower()
    if "@" not in address or len(address) > 320:
        raise AccountFileError(f"line {number}: `address` is no address")
    changes = []
    for change in fields.get("changes") or []:
        if not isinstance(change, dict) or not CHANGE_KIND.match(str(change.get("kind", ""))):
            raise AccountFileError(f"line {number}: a change needs a kind (lowercase-words)")
        changes.append((str(change["kind"]), _time(change.get("at"), "changes.at", number)))
    frozen = fields.get("frozen", False)
    return AccountRecord(
        address=address,
        created_at=_time(fields.get("created_at"), "created_at", number, optional=True),
        frozen=frozen if isinstance(frozen, bool) else str(frozen).lower() in ("1", "true", "yes"),
        last_sign_in_at=_time(
            fields.get("last_sign_in_at"), "last_sign_in_at", number, optional=True
        ),
        facts={k: str(v) for k, v in fields.items() if k in fact_names and v is not None},
        changes=changes,
    )


def _time(value: Any, name: str, number: int, optional: bool = False) -> Any:
    if value in (None, "") and optional:
        return None
    try:
        found = datetime.fromisoformat(str(value))
    except ValueError:
        raise AccountFileError(f"line {number}: `{name}` is no ISO time") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def import_accounts(
    sessions: sessionmaker[Session],
    sealer: Sealer,
    project: str,
    path: Path,
    fact_names: frozenset[str],
    progress: Callable[[Imported], None] = lambda _: None,
) -> Imported:
    """Load the file into the project's table, in batches; returns what was added."""
    done = Imported()
    batch: list[AccountRecord] = []
    for _, record in read_records(path, fact_names):
        batch.append(record)
        if len(batch) >= BATCH:
            _store(sessions, sealer, project, batch, done)
            batch = []
            progress(done)
    if batch:
        _store(sessions, sealer, project, batch, done)
    progress(done)
    return done


def _store(
    sessions: sessionmaker[Session],
    sealer: Sealer,
    project: str,
    records: list[AccountRecord],
    done: Imported,
) -> None:
    with sessions.begin() as session:
        for record in records:
            row = session.scalars(
                select(DirectoryAccount).where(
                    DirectoryAccount.project == project,
                    DirectoryAccount.address == record.address,
                )
            ).first()
            if row is None:
                row = DirectoryAccount(project=project, address=record.address)
                session.add(row)
            row.created_at, row.frozen = record.created_at, record.frozen
            row.last_sign_in_at, row.imported_at = record.last_sign_in_at, utcnow()
            binding = facts_binding(project, record.address)
            row.facts_sealed = sealer.seal(record.facts, binding) if record.facts else None
            session.flush()
            done.accounts += 1
            known = {
                (c.kind, c.at)
                for c in session.scalars(
                    select(DirectoryChange).where(DirectoryChange.account_id == row.id)
                )
            }
            for kind, at in record.changes:
                if (kind, at) not in known:
                    session.add(DirectoryChange(account_id=row.id, kind=kind, at=at))
                    known.add((kind, at))
                    done.changes += 1
