"""repeat merging (并单) links and overdue marks (supervision)

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29 08:00:00

A branch next to 0008 (department inbox); ``upgrade()`` applies all heads, a merge revision joins them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.db.types

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_merges",
        sa.Column("merged_ticket_id", sa.Uuid(), nullable=False),
        sa.Column("target_ticket_id", sa.Uuid(), nullable=False),
        sa.Column("policy_not_carried_out", sa.Boolean(), nullable=False),
        sa.Column("charged_department_id", sa.Uuid(), nullable=True),
        sa.Column("merged_event_id", sa.Integer(), nullable=False),
        sa.Column("target_event_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["charged_department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["merged_ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("merged_ticket_id"),
    )
    with op.batch_alter_table("ticket_merges", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_merges_target", ["target_ticket_id"], unique=False)

    op.create_table(
        "overdue_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "due_at", name="uq_overdue_marks_ticket_due"),
    )


def downgrade() -> None:
    op.drop_table("overdue_marks")
    with op.batch_alter_table("ticket_merges", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_merges_target")
    op.drop_table("ticket_merges")
