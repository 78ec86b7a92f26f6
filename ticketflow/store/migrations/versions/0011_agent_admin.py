"""agents can be disabled; every change to an agent is recorded with who and when

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "agent_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_agent_changes_agent", "agent_changes", ["agent"])


def downgrade() -> None:
    op.drop_table("agent_changes")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("disabled_at")
