"""raw messages kept before they are read: their state, why one is set aside, the
Message-ID and content digest deduplication compares, and who opened a ticket when

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_messages") as batch:
        # Rows from before were read when they were stored.
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="read"))
        batch.add_column(sa.Column("problem", sa.String(500), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("content_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(20), nullable=True))
        batch.add_column(sa.Column("envelope", sa.Text(), nullable=True))
        batch.add_column(sa.Column("new_ticket_sender", sa.String(320), nullable=True))
        batch.create_unique_constraint(
            "uq_raw_messages_message_content", ["message_id", "content_digest"]
        )
    # Before, the Message-ID was the deduplication key itself.
    op.execute("UPDATE raw_messages SET message_id = dedup_key WHERE dedup_key NOT LIKE 'sha256:%'")
    op.execute("UPDATE raw_messages SET state = 'ignored' WHERE ignored IS NOT NULL")
    op.create_index("ix_raw_messages_message_id", "raw_messages", ["message_id"])
    op.create_index("ix_raw_messages_state", "raw_messages", ["state", "received_at"])
    op.create_index(
        "ix_raw_messages_new_ticket_sender", "raw_messages", ["new_ticket_sender", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_raw_messages_new_ticket_sender", "raw_messages")
    op.drop_index("ix_raw_messages_state", "raw_messages")
    op.drop_index("ix_raw_messages_message_id", "raw_messages")
    with op.batch_alter_table("raw_messages") as batch:
        batch.drop_constraint("uq_raw_messages_message_content", type_="unique")
        for column in (
            "new_ticket_sender",
            "envelope",
            "source",
            "duplicate_of",
            "content_digest",
            "message_id",
            "problem",
            "state",
        ):
            batch.drop_column(column)
