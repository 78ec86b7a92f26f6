"""Engine and session factory for the read model, with per-backend tuning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    # Statement parameters are mail text and addresses: never in an error's message or
    # a log line (a database outage would otherwise log them with every traceback).
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets API reads run beside the worker's writes; busy_timeout makes
        # writers queue instead of failing with "database is locked".
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def insert_missing(
    session: Session,
    table: Table | type[DeclarativeBase],
    values: Mapping[str, Any],
    keys: Sequence[str],
) -> None:
    """Insert `values` unless a row with the same `keys` is there (or being made by a
    concurrent transaction): one statement on both backends, never a conflict."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(**values)
        session.execute(pg.on_conflict_do_nothing(index_elements=list(keys)))
    elif dialect == "sqlite":
        lite = sqlite.insert(table).values(**values)
        session.execute(lite.on_conflict_do_nothing(index_elements=list(keys)))
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)


def upsert(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Mapping[str, Any],
) -> None:
    """Insert `values`, or set `update` on the row with the same `keys`: one statement on
    both backends (their INSERT ... ON CONFLICT DO UPDATE)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(**values)
        session.execute(pg.on_conflict_do_update(index_elements=list(keys), set_=dict(update)))
    elif dialect == "sqlite":
        lite = sqlite.insert(table).values(**values)
        session.execute(lite.on_conflict_do_update(index_elements=list(keys), set_=dict(update)))
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)
