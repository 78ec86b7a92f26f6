"""projects: every ticket, queue and queue counter belongs to one; agents' groups are named
with their project. Existing data moves into the first project of the desk config
(`first_project`, handed over by ticketflow.store.migrate; `main` without one).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    first = str(context.config.attributes.get("first_project") or "main")
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("project", sa.String(100), nullable=False, server_default=first))
        batch.drop_index("ix_tickets_queue_state_pending")
        batch.create_index(
            "ix_tickets_queue_state_pending",
            ["project", "queue", "state", "pending_since", "id"],
        )
    # The queues table is the desk config's copy (made again at every start): remade with
    # the project in its unique key, its rows kept.
    connection = op.get_bind()
    queues = connection.execute(sa.text("SELECT id, name, line, group_name FROM queues")).all()
    op.drop_table("queues")
    remade = op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("line", sa.String(20), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project", "name", name="uq_queues_project_name"),
    )
    assert remade is not None
    if queues:
        op.bulk_insert(
            remade,
            [
                {"id": i, "project": first, "name": n, "line": ln, "group_name": g}
                for i, n, ln, g in queues
            ],
        )
        if connection.dialect.name == "postgresql":  # the id sequence goes on after them
            op.execute("SELECT setval(pg_get_serial_sequence('queues', 'id'), MAX(id)) FROM queues")
    # The counters gain the project in their key: counted again from the tickets (once).
    op.drop_table("queue_counts")
    op.create_table(
        "queue_counts",
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project", "queue", "state"),
    )
    op.execute(
        "INSERT INTO queue_counts (project, queue, state, count) "
        "SELECT project, queue, state, COUNT(*) FROM tickets GROUP BY project, queue, state"
    )
    agents = sa.table("agents", sa.column("id", sa.Integer), sa.column("groups", sa.String))
    for agent_id, groups in connection.execute(sa.select(agents.c.id, agents.c.groups)).all():
        named = ",".join(g if "/" in g else f"{first}/{g}" for g in groups.split(",") if g)
        connection.execute(agents.update().where(agents.c.id == agent_id).values(groups=named))


def downgrade() -> None:
    raise NotImplementedError("projects cannot be taken apart again")
