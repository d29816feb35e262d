"""agents, the queue part of calls, tickets linked to their call and draft by foreign keys

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00

``tickets.call_id`` / ``draft_id`` were free strings; they become UUID foreign keys. Values that do not
name an existing call or draft (nothing in the product wrote any) are cleared, the rest kept.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import ticketing.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _links(bind: sa.engine.Connection) -> list[tuple[object, uuid.UUID | None, uuid.UUID | None]]:
    """(ticket id, call id, draft id) of tickets that name a call or draft that exists."""
    calls = {str(row[0]).replace("-", "") for row in bind.execute(sa.text("SELECT id FROM calls"))}
    drafts = {str(row[0]).replace("-", "") for row in bind.execute(sa.text("SELECT id FROM ticket_drafts"))}
    rows = bind.execute(
        sa.text("SELECT id, call_id, draft_id FROM tickets WHERE call_id IS NOT NULL OR draft_id IS NOT NULL")
    ).all()

    def known(value: object, ids: set[str]) -> uuid.UUID | None:
        try:
            parsed = uuid.UUID(str(value))
        except ValueError:
            return None
        return parsed if parsed.hex in ids else None

    return [(row[0], known(row[1], calls), known(row[2], drafts)) for row in rows]


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("interface", sa.String(length=64), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("wrapup_seconds", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pause_reason", sa.String(length=16), nullable=True),
        sa.Column("status_since", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("extension"),
        sa.UniqueConstraint("interface"),
    )
    op.create_table(
        "agent_state_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.create_index("ix_agent_state_changes_user_at", ["user_id", "at"], unique=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=16), nullable=False, server_default="ivr"))
        batch_op.add_column(sa.Column("linkedid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("queue_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agent_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("agent_interface", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rang_at", ticketing.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ring_no_answers", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("hold_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("talk_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("completed_at", ticketing.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("abandoned_at", ticketing.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("hangup_by", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            "fk_calls_agent_user_id", "users", ["agent_user_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_calls_linkedid", ["linkedid"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column("origin", server_default=None)
        batch_op.alter_column("ring_no_answers", server_default=None)

    bind = op.get_bind()
    links = _links(bind)
    bind.execute(sa.text("UPDATE tickets SET call_id = NULL, draft_id = NULL"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column(
            "call_id", existing_type=sa.String(length=64), type_=sa.Uuid(), postgresql_using="call_id::uuid"
        )
        batch_op.alter_column(
            "draft_id", existing_type=sa.String(length=64), type_=sa.Uuid(), postgresql_using="draft_id::uuid"
        )
        batch_op.create_foreign_key("fk_tickets_call_id", "calls", ["call_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(
            "fk_tickets_draft_id", "ticket_drafts", ["draft_id"], ["id"], ondelete="SET NULL"
        )
    tickets = sa.table("tickets", sa.column("id", sa.Uuid()), sa.column("call_id", sa.Uuid()),
                       sa.column("draft_id", sa.Uuid()))  # fmt: skip
    for ticket_id, call_id, draft_id in links:
        if call_id is not None or draft_id is not None:
            bind.execute(
                tickets.update()
                .where(tickets.c.id == uuid.UUID(str(ticket_id)))
                .values(call_id=call_id, draft_id=draft_id)
            )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tickets_draft_id", type_="foreignkey")
        batch_op.drop_constraint("fk_tickets_call_id", type_="foreignkey")
        batch_op.alter_column("draft_id", existing_type=sa.Uuid(), type_=sa.String(length=64))
        batch_op.alter_column("call_id", existing_type=sa.Uuid(), type_=sa.String(length=64))
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_linkedid")
        batch_op.drop_constraint("fk_calls_agent_user_id", type_="foreignkey")
        for column in (
            "hangup_by", "abandoned_at", "completed_at", "talk_seconds", "hold_seconds", "ring_no_answers",
            "rang_at", "agent_interface", "agent_user_id", "queue_position", "linkedid", "origin",
        ):  # fmt: skip
            batch_op.drop_column(column)
    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_state_changes_user_at")
    op.drop_table("agent_state_changes")
    op.drop_table("agents")
