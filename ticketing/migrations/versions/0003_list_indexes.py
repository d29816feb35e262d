"""Indexes for the ticket list: status + created_at, and a covering department index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.drop_index("ix_assignments_department_active", table_name="ticket_assignments")
    op.create_index(
        "ix_assignments_department_active", "ticket_assignments", ["department_id", "active", "ticket_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_department_active", table_name="ticket_assignments")
    op.create_index("ix_assignments_department_active", "ticket_assignments", ["department_id", "active"])
    op.drop_index("ix_tickets_status_created", table_name="tickets")
