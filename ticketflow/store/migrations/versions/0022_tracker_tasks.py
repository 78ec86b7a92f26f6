"""Solvers' tasks: a ticket's links to tasks in its project's tracker

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracker_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True, unique=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project", "key", "ticket_id", name="uq_tracker_tasks"),
    )
    op.create_index("ix_tracker_tasks_key", "tracker_tasks", ["project", "key"])
    op.create_index("ix_tracker_tasks_ticket_id", "tracker_tasks", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_tracker_tasks_ticket_id", "tracker_tasks")
    op.drop_index("ix_tracker_tasks_key", "tracker_tasks")
    op.drop_table("tracker_tasks")
