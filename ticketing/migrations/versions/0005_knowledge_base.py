"""knowledge base: versioned standard answers and their search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 07:40:00

Hand-written. PostgreSQL gets a GIN index over the weighted ``tsvector`` of the stored jieba tokens
(the expression is ``ticketing.db.kb.PG_DOCUMENT_SQL``, repeated here so this revision never changes when
the models do). SQLite needs no extra DDL: its FTS5 table lives in each connection's ``temp`` schema and
is rebuilt from the version rows (see ``ticketing.services.kb_search``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_DOCUMENT_SQL = (
    "(setweight(to_tsvector('simple'::regconfig, search_head), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'C'))"
)


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index("ix_kb_articles_status", ["status"], unique=False)

    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("special_cases", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("search_head", sa.Text(), nullable=False),
        sa.Column("search_body", sa.Text(), nullable=False),
        sa.Column("change_note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ticketing.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "number", name="uq_kb_versions_article_number"),
    )
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.create_index("ix_kb_versions_category", ["category"], unique=False)
        batch_op.create_index("ix_kb_versions_department", ["department_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_kb_versions_document",
            "kb_article_versions",
            [sa.text(_PG_DOCUMENT_SQL)],
            unique=False,
            postgresql_using="gin",
        )

    state = op.create_table(
        "kb_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(state, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("kb_index_state")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_kb_versions_document", table_name="kb_article_versions")
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_versions_department")
        batch_op.drop_index("ix_kb_versions_category")

    op.drop_table("kb_article_versions")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_status")

    op.drop_table("kb_articles")
