"""the Passwords tools: a project's account directory table and its changes, customers'
sealed claims, and verifications (verdicts only)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("facts_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project", "address", name="uq_directory_accounts"),
    )
    op.create_table(
        "directory_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id", sa.Integer(), sa.ForeignKey("directory_accounts.id"), nullable=False
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(200), nullable=True, unique=True),
        sa.UniqueConstraint("account_id", "kind", "at", name="uq_directory_changes"),
    )
    op.create_table(
        "sealed_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("names", sa.String(1000), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sealed_claims_ticket_id", "sealed_claims", ["ticket_id"])
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("claims_id", sa.Integer(), nullable=False),
        sa.Column("account_found", sa.Boolean(), nullable=False),
        sa.Column("verdicts", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_verifications_ticket_id", "verifications", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_verifications_ticket_id", "verifications")
    op.drop_table("verifications")
    op.drop_index("ix_sealed_claims_ticket_id", "sealed_claims")
    op.drop_table("sealed_claims")
    op.drop_table("directory_changes")
    op.drop_table("directory_accounts")
