"""the project of a kept message, so that its project's admins alone review it when it is
set aside (rows from before: the first project's)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("raw_messages", sa.Column("project", sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column("raw_messages", "project")
