"""HTML bodies on articles (sanitised inbound, rendered outbound)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite supports it): no table rebuild, so the search
    # triggers on articles stay.
    op.add_column("articles", sa.Column("body_html", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "body_html")
