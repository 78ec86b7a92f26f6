"""the next escalation deadline on tickets

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("escalation_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_tickets_escalation", "tickets", ["escalation_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_escalation", table_name="tickets")
    op.drop_column("tickets", "escalation_at")
