"""reports: each ticket's figures, the reportable events and their sums per hour, kept by
the projection (ticketflow.tickets.reporting), and an index for open tickets by age

Tickets from before this revision have no figures until `ticketflow reports rebuild`
folds their histories (docs/operations.md).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ticket_reports",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("first_queue", sa.String(100)),
        sa.Column("first_line_wait_s", sa.Integer()),
        sa.Column("first_response_at", WHEN),
        sa.Column("first_response_s", sa.Integer()),
        sa.Column("first_response_business_s", sa.Integer()),
        sa.Column("first_mail", sa.String(20)),
        sa.Column("second_line", sa.Boolean(), nullable=False),
        sa.Column("first_closed_at", WHEN),
        sa.Column("within_day", sa.Boolean(), nullable=False),
        sa.Column("first_contact", sa.Boolean(), nullable=False),
        sa.Column("breaches", sa.String(100), nullable=False),
        sa.Column("queue_since", WHEN),
        sa.Column("closing_seq", sa.Integer()),
        sa.Column("first_answer_seq", sa.Integer()),
        sa.Column("routed_seq", sa.Integer()),
        sa.Column("routed_at", WHEN),
        sa.Column("routed_into", sa.String(100)),
    )
    op.create_index("ix_ticket_reports_created", "ticket_reports", ["project", "created_at"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("to_queue", sa.String(100), nullable=False),
        sa.Column("line", sa.String(20), nullable=False),
        sa.Column("closes", sa.Boolean(), nullable=False),
        sa.Column("handling_s", sa.Integer()),
        sa.Column("first_contact", sa.Boolean(), nullable=False),
        sa.Column("clock", sa.String(20)),
        sa.Column("wrong_routing", sa.Boolean(), nullable=False),
        sa.Column("reopened_at", WHEN),
        sa.Column("by_agent", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_report_events_ticket_seq"),
    )
    op.create_index(
        "ix_report_events_agents",
        "report_events",
        ["project", "at"],
        postgresql_include=["actor", "ticket_id", "handling_s"],
        postgresql_where=sa.text("by_agent"),
        sqlite_where=sa.text("by_agent"),
    )
    op.create_index(
        "ix_tickets_project_state_created", "tickets", ["project", "state", "created_at"]
    )
    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ("events", "first_contact", "reopened", "wrong_routing")
    ]
    op.create_table(
        "report_hours",
        sa.Column("project", sa.String(100), primary_key=True),
        sa.Column("hour", WHEN, primary_key=True),
        sa.Column("queue", sa.String(100), primary_key=True),
        sa.Column("to_queue", sa.String(100), primary_key=True),
        sa.Column("action", sa.String(30), primary_key=True),
        sa.Column("clock", sa.String(20), primary_key=True),
        sa.Column("by_agent", sa.Boolean(), primary_key=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("closes", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("wrong_routing", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_agent_hours",
        sa.Column("project", sa.String(100), primary_key=True),
        sa.Column("hour", WHEN, primary_key=True),
        sa.Column("actor", sa.String(100), primary_key=True),
        sa.Column("action", sa.String(30), primary_key=True),
        *counts,
    )


def downgrade() -> None:
    op.drop_table("report_agent_hours")
    op.drop_table("report_hours")
    op.drop_index("ix_tickets_project_state_created", "tickets")
    op.drop_table("report_events")
    op.drop_table("ticket_reports")
