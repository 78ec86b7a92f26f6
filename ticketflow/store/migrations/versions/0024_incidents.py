"""Incidents and the tickets linked to them

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_template", sa.String(100), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_template", sa.String(100), nullable=True),
        sa.Column("final_text", sa.Text(), nullable=True),
        sa.Column("close_queue", sa.String(100), nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_incidents_project_state", "incidents", ["project", "state"])
    op.create_table(
        "incident_tickets",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("linked_by", sa.String(100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_draft_id", sa.Integer(), nullable=True),
        sa.Column("answer_state", sa.String(20), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.Column("final_draft_id", sa.Integer(), nullable=True),
        sa.Column("final_state", sa.String(20), nullable=True),
        sa.Column("final_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_incident_tickets_ticket", "incident_tickets", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_tickets_ticket", "incident_tickets")
    op.drop_table("incident_tickets")
    op.drop_index("ix_incidents_project_state", "incidents")
    op.drop_table("incidents")
