"""Schema migrations (Alembic) and the queue table's sync with the desk config."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.config import DeskConfigError
from ticketflow.desk.projects import SOLE_PROJECT, Projects
from ticketflow.store.agents import record_rights
from ticketflow.store.help_articles import sync_help
from ticketflow.store.models import ProjectRights, Queue, Ticket

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


class SchemaNotCurrent(RuntimeError):
    """The read model's schema is not the one this code was written for."""


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema's revision; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Raises SchemaNotCurrent, saying what to run, unless the schema is at head."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        found = f"at revision {current}" if current else "not migrated"
        raise SchemaNotCurrent(
            f"the read model is {found}, this version needs {head}: run `ticketflow migrate`"
        )


def upgrade(engine: Engine, first_project: str = SOLE_PROJECT) -> tuple[str | None, str]:
    """Upgrade the schema to head; returns the revisions before and after. Data from
    before projects moves into `first_project`."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["first_project"] = first_project
        command.upgrade(config, "head")
    return before, head_revision()


def bring_up_to_date(engine: Engine, projects: Projects) -> tuple[str | None, str]:
    """Upgrade the schema, sync the queues with the desk and record changed rights: what
    every process that may find a fresh or older database does first. Returns the
    revisions before and after."""
    revisions = upgrade(engine, projects.first.name)
    sync_queues(engine, projects)
    check_namespaces(engine, projects)
    sessions = sessionmaker(engine)
    record_rights(sessions, projects)
    sync_help(sessions, [article for project in projects for article in project.help])
    return revisions


class NamespaceChanged(DeskConfigError):
    """A project with tickets given another Temporal namespace than theirs."""


def check_namespaces(engine: Engine, projects: Projects) -> None:
    """Keep each project's Temporal namespace as it was while it has tickets: their
    workflows live there, and a ticket signalled in another one would get a second,
    parallel workflow. Raises NamespaceChanged naming the project."""
    with Session(engine) as session, session.begin():
        for project in projects:
            seen = session.get(ProjectRights, project.name)
            if seen is None or seen.namespace == project.namespace:
                continue
            has_tickets = session.scalar(
                select(Ticket.id).where(Ticket.project == project.name).limit(1)
            )
            if has_tickets is not None:
                installation = "the installation's namespace"
                was, now = seen.namespace or installation, project.namespace or installation
                raise NamespaceChanged(
                    f"project {project.name}: its tickets' workflows live in {was}; its "
                    f"namespace cannot change to {now}"
                )
            seen.namespace = project.namespace


def sync_queues(engine: Engine, projects: Projects) -> None:
    """Make the queues table match the desk config, project by project.

    Queues are never deleted here: tickets refer to them by name.
    """
    with Session(engine) as session, session.begin():
        existing = {(q.project, q.name): q for q in session.scalars(select(Queue))}
        for project in projects:
            for qc in project.desk.queues:
                key = (project.name, qc.name)
                row = existing.get(key) or Queue(project=project.name, name=qc.name)
                row.line, row.group_name = qc.line, qc.group
                session.add(row)
