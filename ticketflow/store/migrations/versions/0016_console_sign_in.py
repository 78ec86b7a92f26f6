"""the agents' console: a password beside each agent's API token (an argon2 hash) and the
language he works in, the
console's sessions (a hash of each cookie, its CSRF token, when it ends) and failed
sign-ins (counted to refuse guessing)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    # "My tickets": an agent's open tickets without a scan of the queues.
    op.create_index("ix_tickets_owner", "tickets", ["owner", "state"])
    # A ticket's page lists the customer's other tickets.
    op.create_index("ix_tickets_customer", "tickets", ["customer", "id"])
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_sessions_agent", "console_sessions", ["agent"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_name", "sign_in_failures", ["name", "at"])
    op.create_index("ix_sign_in_failures_client", "sign_in_failures", ["client", "at"])
    # Who has a ticket open in the console right now (refreshed while the page is open).
    op.create_table(
        "ticket_viewers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "agent"),
    )


def downgrade() -> None:
    op.drop_table("ticket_viewers")
    op.drop_table("sign_in_failures")
    op.drop_table("console_sessions")
    op.drop_index("ix_tickets_customer", "tickets")
    op.drop_index("ix_tickets_owner", "tickets")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("language")
        batch.drop_column("password_hash")
