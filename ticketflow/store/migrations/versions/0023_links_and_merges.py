"""Links between related tickets (one row a pair, the lower id first); a merged
ticket's target

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("linked_by", sa.String(100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ticket_id", "other_id", name="uq_ticket_links"),
        sa.CheckConstraint("ticket_id < other_id", name="ck_ticket_links_order"),
    )
    op.create_index("ix_ticket_links_other", "ticket_links", ["other_id"])
    # SQLite alters a table by copying it: batch mode does that for the foreign key.
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_tickets_merged_into", "tickets", ["merged_into_id"], ["id"])
    op.create_index("ix_tickets_merged_into", "tickets", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_merged_into", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("fk_tickets_merged_into", type_="foreignkey")
        batch.drop_column("merged_into_id")
    op.drop_index("ix_ticket_links_other", "ticket_links")
    op.drop_table("ticket_links")
