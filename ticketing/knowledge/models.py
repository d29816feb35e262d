"""ORM models of the knowledge base (知识库, R-KB): one standard answer (标准答案) per policy question.

An article is the stable identity (code, status, pointer to its current version); every edit writes a new
:class:`KnowledgeVersion` row, so what an agent answered on a given day can always be read back.
The search text of each version is stored as space-joined jieba tokens (``search_head``: title, question
variants and keywords; ``search_body``: answer and special-situation wording) — see
:mod:`ticketing.knowledge.search`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.db.base import Base
from ticketing.db.types import UTCDateTime

# The PostgreSQL full-text document of a version: head words weigh A, body words C (``ts_rank``).
# The query in kb_search repeats this expression verbatim so the GIN index below is used.
PG_DOCUMENT_SQL = (
    "(setweight(to_tsvector('simple'::regconfig, search_head), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'C'))"
)


class KnowledgeArticle(Base):
    """A knowledge-base article: its code, life status and which version is current."""

    __tablename__ = "kb_articles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # human, e.g. KB-SB-0001
    status: Mapped[str] = mapped_column(String(16))  # draft | published | retired
    # Number of the current version; also the optimistic lock (UPDATE … WHERE current_version = n).
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __mapper_args__ = {  # noqa: RUF012 - SQLAlchemy API
        "version_id_col": current_version,
        "version_id_generator": False,
    }
    __table_args__ = (Index("ix_kb_articles_status", "status"),)


class KnowledgeVersion(Base):
    """One immutable version of an article's content and validity window."""

    __tablename__ = "kb_article_versions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))  # an R-CAT code or a topic (社保, 户籍, …)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)  # how callers ask it
    answer: Mapped[str] = mapped_column(Text)  # 标准答案
    special_cases: Mapped[str | None] = mapped_column(Text)  # special-situation wording
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None] = mapped_column(Date)  # None: valid since ever
    valid_to: Mapped[date | None] = mapped_column(Date)  # inclusive; None: open-ended
    search_head: Mapped[str] = mapped_column(Text)
    search_body: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_kb_versions_article_number"),
        Index("ix_kb_versions_category", "category"),
        Index("ix_kb_versions_department", "department_id"),
        Index("ix_kb_versions_document", text(PG_DOCUMENT_SQL), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )


class KnowledgeIndexState(Base):
    """A single row whose ``generation`` grows with every knowledge-base write.

    SQLite searches through a per-connection FTS5 table (see :mod:`ticketing.knowledge.search`); a
    connection rebuilds it when the generation it indexed is no longer the stored one.
    """

    __tablename__ = "kb_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, nullable=False)
