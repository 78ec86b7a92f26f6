"""Schema migrations (Alembic) and the queue table's sync with the desk config."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ticketflow.desk import DeskConfig
from ticketflow.models import Queue

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sync_queues(engine: Engine, desk: DeskConfig) -> None:
    """Make the queues table match the desk config.

    Queues are never deleted here: tickets refer to them by name.
    """
    with Session(engine) as session, session.begin():
        existing = {q.name: q for q in session.scalars(select(Queue))}
        for qc in desk.queues:
            row = existing.get(qc.name) or Queue(name=qc.name)
            row.line, row.group_name = qc.line, qc.group
            session.add(row)
