"""unit side: ticket attachments, co-unit 会签 replies and the 会签件 flag

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("uploader_role", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("uploaded_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_attachments_ticket", ["ticket_id", "uploaded_at"], unique=False)

    op.create_table(
        "unit_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("redo_round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["assignment_id"], ["ticket_assignments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unit_replies", schema=None) as batch_op:
        batch_op.create_index("ix_unit_replies_ticket", ["ticket_id"], unique=False)
        batch_op.create_index(
            "ux_unit_replies_assignment_round", ["assignment_id", "redo_round"], unique=True
        )

    op.create_table(
        "ticket_countersigns",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("set_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("ticket_countersigns")

    with op.batch_alter_table("unit_replies", schema=None) as batch_op:
        batch_op.drop_index("ux_unit_replies_assignment_round")
        batch_op.drop_index("ix_unit_replies_ticket")
    op.drop_table("unit_replies")

    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_attachments_ticket")
    op.drop_table("ticket_attachments")
