"""the audit log: which projects a change to an agent concerns (an admin of a project sees
those), and the rights of each project's groups as last seen, so that a change to them
in the desk config is recorded too, and the Temporal namespace its tickets' workflows
live in (which may not change once it has tickets)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent_changes") as batch:
        # ",mail,social,": the projects of the agent before and after the change.
        batch.add_column(sa.Column("projects", sa.String(1000), nullable=True))
    op.create_table(
        "project_rights",
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("rights", sa.Text(), nullable=False),
        sa.Column("namespace", sa.String(100), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project"),
    )


def downgrade() -> None:
    op.drop_table("project_rights")
    with op.batch_alter_table("agent_changes") as batch:
        batch.drop_column("projects")
