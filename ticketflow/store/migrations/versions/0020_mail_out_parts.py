"""agents' mail with copies and files: an outbound article's Cc and Bcc, and the files
agents upload to attach to their answers, questions and forwards; queue views in priority
order

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("cc_addr", sa.String(2000), nullable=True))
    op.add_column("articles", sa.Column("bcc_addr", sa.String(2000), nullable=True))
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_uploads_ticket_agent", "uploads", ["ticket_id", "agent"])
    op.create_index(
        "ix_tickets_queue_state_priority",
        "tickets",
        ["project", "queue", "state", sa.text("priority DESC"), "pending_since", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_queue_state_priority", "tickets")
    op.drop_index("ix_uploads_ticket_agent", "uploads")
    op.drop_table("uploads")
    op.drop_column("articles", "bcc_addr")
    op.drop_column("articles", "cc_addr")
