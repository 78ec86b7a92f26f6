"""the language a ticket's answers are written in

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "language")
