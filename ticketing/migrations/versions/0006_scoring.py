"""department scoring: manual score items; calls.answered_at for the hotline figures

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 10:00:00

A branch next to 0005 (knowledge base); ``upgrade()`` applies all heads, a merge revision joins them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.db.types

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_at", ticketing.db.types.UTCDateTime(), nullable=True))

    op.create_table(
        "score_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", ticketing.db.types.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("score_items", schema=None) as batch_op:
        batch_op.create_index("ix_score_items_month_department", ["month", "department_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("score_items", schema=None) as batch_op:
        batch_op.drop_index("ix_score_items_month_department")
    op.drop_table("score_items")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("answered_at")
