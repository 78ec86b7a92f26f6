"""routing rules: ticket tags and hints, ignored raw messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("raw_messages", sa.Column("ignored", sa.String(300), nullable=True))
    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag", "ticket_id"])
    op.create_table(
        "ticket_hints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("part", sa.String(100), nullable=False),
        sa.Column("matched", sa.String(200), nullable=False),
    )
    op.create_index("ix_ticket_hints_ticket", "ticket_hints", ["ticket_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_hints_ticket", table_name="ticket_hints")
    op.drop_table("ticket_hints")
    op.drop_index("ix_ticket_tags_tag", table_name="ticket_tags")
    op.drop_table("ticket_tags")
    op.drop_column("raw_messages", "ignored")
