"""Chinese full-text search of the knowledge base (R-KB): index, query, rank; list and suggest.

Every version stores its jieba tokens space-joined (``search_head``: title, question variants, keywords;
``search_body``: answer and special-situation wording; see :mod:`ticketing.knowledge.tokens`). Both
backends index exactly those strings, and a question is tokenised the same way, its tokens OR-ed:

* PostgreSQL: ``to_tsvector('simple', …)`` of the stored tokens (head weight A, body weight C) under a
  GIN expression index; the query is the OR (``||``) of ``plainto_tsquery('simple', token)``; ranked by
  ``ts_rank``.
* SQLite: an FTS5 table (``unicode61``) queried with ``MATCH`` and ranked by ``bm25`` (head weighs 4×).
  The FTS5 table lives in the connection's ``temp`` schema, because an FTS5 table in ``main`` brings five
  shadow tables that the ORM models (and so the migration check) cannot describe. Every knowledge write
  bumps ``kb_index_state.generation`` (:func:`mark_changed`); a connection whose FTS table indexed an older
  generation rebuilds it before searching (:func:`_sync_sqlite_index`) — explicit, and cheap at
  knowledge-base sizes (thousands of rows).

Search, suggestions and (in :mod:`ticketing.knowledge.service`) 直办 citations only use *published*
articles valid today in Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, or_, select, table, update
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.service import DepartmentService
from ticketing.errors import InvalidInput
from ticketing.knowledge.models import (
    PG_DOCUMENT_SQL,
    KnowledgeArticle,
    KnowledgeIndexState,
    KnowledgeVersion,
)
from ticketing.knowledge.schemas import ArticleHit, ArticleQuery, ArticleStatus, SearchQuery
from ticketing.knowledge.tokens import query_terms
from ticketing.schema_types import Page
from ticketing.tickets.lifecycle import Role
from ticketing.tickets.service import TicketService

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEAD_WEIGHT = 4.0  # SQLite bm25 weight of the head column (title, questions, keywords); the body is 1.0
_PUBLISHED = ArticleStatus.PUBLISHED.value


def today_in_shanghai(now: datetime) -> date:
    """The Shanghai date of ``now``: validity windows are counted in it."""
    return now.astimezone(SHANGHAI).date()


def valid_on(version: KnowledgeVersion, day: date) -> bool:
    """Whether ``day`` lies in the version's validity window (both ends inclusive, open when None)."""
    return (version.valid_from is None or version.valid_from <= day) and (
        version.valid_to is None or day <= version.valid_to
    )


class KnowledgeSearch:
    """Listing, full-text search and suggestions, inside the caller's transaction."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def find(self, query: ArticleQuery, actor: Actor) -> Page[ArticleHit]:
        """A page of articles by code; departments see published ones only."""
        statuses = [s.value for s in query.status]
        if actor.role is Role.DEPARTMENT:
            statuses = [s for s in statuses or [_PUBLISHED] if s == _PUBLISHED]  # may become empty
        filters = self._filters(query.category, query.department, None)
        if statuses or actor.role is Role.DEPARTMENT:
            filters.append(KnowledgeArticle.status.in_(statuses))
        stmt = current_versions().where(*filters)
        total = self._session.scalar(stmt.with_only_columns(func.count())) or 0
        rows = self._session.execute(
            stmt.order_by(KnowledgeArticle.code)
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).all()
        items = self._hits((Hit(row[0], row[1], 0.0) for row in rows), scored=False)
        return Page[ArticleHit](items=items, total=total, page=query.page, page_size=query.page_size)

    def search(self, query: SearchQuery, _actor: Actor) -> Page[ArticleHit]:
        """Published articles matching the question ``query.q``, most relevant first (every role)."""
        terms = query_terms(query.q)
        if not terms:
            raise InvalidInput("the query has no searchable words", field="q")
        today = None if query.include_expired else today_in_shanghai(self._now())
        filters = self._filters(query.category, query.department, today)
        filters.append(KnowledgeArticle.status == _PUBLISHED)
        offset = (query.page - 1) * query.page_size
        hits, total = run_search(self._session, terms, filters, limit=query.page_size, offset=offset)
        items = self._hits(hits, scored=True)
        return Page[ArticleHit](items=items, total=total, page=query.page, page_size=query.page_size)

    def suggest_for_text(self, text: str, limit: int = 5) -> list[ArticleHit]:
        """Standard answers for a draft's transcript or a ticket's content: published, valid today."""
        filters = self._filters(None, None, today_in_shanghai(self._now()))
        filters.append(KnowledgeArticle.status == _PUBLISHED)
        hits, _total = run_search(self._session, query_terms(text), filters, limit=limit, offset=0)
        return self._hits(hits, scored=True)

    def suggest_for_ticket(self, ref: str, actor: Actor, limit: int = 5) -> list[ArticleHit]:
        """Suggestions from a ticket's title, summary and content (the ticket must be visible)."""
        ticket = TicketService(self._session, now=self._now).load(ref, actor)
        parts = (ticket.title, ticket.summary, ticket.content)
        return self.suggest_for_text(" ".join(p for p in parts if p), limit)

    def _filters(
        self, category: str | None, department: str | None, day: date | None
    ) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = []
        if category:
            filters.append(KnowledgeVersion.category == category)
        if department:
            unit = DepartmentService(self._session).resolve(department)
            filters.append(KnowledgeVersion.department_id == unit.id)
        if day is not None:
            filters.append(
                and_(
                    or_(KnowledgeVersion.valid_from.is_(None), KnowledgeVersion.valid_from <= day),
                    or_(KnowledgeVersion.valid_to.is_(None), KnowledgeVersion.valid_to >= day),
                )
            )
        return filters

    def _hits(self, hits: Iterable[Hit], *, scored: bool) -> list[ArticleHit]:
        rows = list(hits)
        wanted = {h.version.department_id for h in rows if h.version.department_id is not None}
        codes: dict[uuid.UUID | None, str] = {}
        if wanted:
            found = self._session.execute(
                select(Department.id, Department.code).where(Department.id.in_(wanted))
            )
            codes = {row[0]: row[1] for row in found}
        today = today_in_shanghai(self._now())
        return [
            ArticleHit(
                id=h.article.id,
                code=h.article.code,
                status=ArticleStatus(h.article.status),
                version=h.version.number,
                title=h.version.title,
                category=h.version.category,
                department_code=codes.get(h.version.department_id),
                answer=h.version.answer,
                special_cases=h.version.special_cases,
                valid_from=h.version.valid_from,
                valid_to=h.version.valid_to,
                valid_today=valid_on(h.version, today),
                score=round(h.score, 6) if scored else None,
            )
            for h in rows
        ]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the article, its current version and the backend's relevance (higher = better)."""

    article: KnowledgeArticle
    version: KnowledgeVersion
    score: float


def current_versions() -> Select[KnowledgeArticle, KnowledgeVersion]:
    """``SELECT`` of every article joined with its current version."""
    return select(KnowledgeArticle, KnowledgeVersion).join(
        KnowledgeVersion,
        and_(
            KnowledgeVersion.article_id == KnowledgeArticle.id,
            KnowledgeVersion.number == KnowledgeArticle.current_version,
        ),
    )


def run_search(
    session: Session, terms: list[str], filters: list[ColumnElement[bool]], *, limit: int, offset: int
) -> tuple[list[Hit], int]:
    """Articles whose current version matches any of ``terms`` and all ``filters``, best first."""
    if not terms:
        return [], 0
    if session.get_bind().dialect.name == "sqlite":
        _sync_sqlite_index(session)
        fts = table("kb_fts", column("article_id"), schema="temp")
        stmt = current_versions().join(fts, fts.c.article_id == KnowledgeArticle.id)
        match = literal_column("kb_fts").op("MATCH")(_fts5_query(terms))
        score: ColumnElement[Any] = -func.bm25(literal_column("kb_fts"), HEAD_WEIGHT, 1.0)
    else:
        stmt = current_versions()
        document: ColumnElement[Any] = literal_column(PG_DOCUMENT_SQL)
        tsquery = _pg_query(terms)
        match = document.op("@@")(tsquery)
        score = func.ts_rank(document, tsquery)
    stmt = stmt.where(match, *filters)
    total = session.scalar(stmt.with_only_columns(func.count())) or 0
    rows = session.execute(
        stmt.add_columns(score.label("score"))
        .order_by(literal_column("score").desc(), KnowledgeArticle.code)
        .limit(limit)
        .offset(offset)
    ).all()
    return [Hit(article, version, float(value)) for article, version, value in rows], total


def mark_changed(session: Session) -> None:
    """Record that searchable content changed (SQLite connections rebuild their FTS table on next search)."""
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL indexes the version rows themselves
    bumped = session.execute(
        update(KnowledgeIndexState)
        .where(KnowledgeIndexState.id == 1)
        .values(generation=KnowledgeIndexState.generation + 1)
    )
    if getattr(bumped, "rowcount", 0) == 0:
        session.add(KnowledgeIndexState(id=1, generation=1))
        session.flush()


def _fts5_query(terms: list[str]) -> str:
    # Each token as an FTS5 string (quotes doubled): no token can be read as query syntax.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _pg_query(terms: list[str]) -> ColumnElement[Any]:
    # OR of one plainto_tsquery per token, each a bound parameter.
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    query: ColumnElement[Any] = func.plainto_tsquery(simple, terms[0])
    for term in terms[1:]:
        query = query.op("||")(func.plainto_tsquery(simple, term))
    return query


def _sync_sqlite_index(session: Session) -> None:
    """(Re)build this connection's FTS5 table when the stored generation moved past the indexed one."""
    session.flush()
    conn = session.connection()
    conn.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_fts USING fts5("
        "head, body, article_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
    )
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS temp.kb_fts_state (generation INTEGER NOT NULL)")
    wanted = session.scalar(select(KnowledgeIndexState.generation).where(KnowledgeIndexState.id == 1)) or 0
    indexed = conn.exec_driver_sql("SELECT generation FROM temp.kb_fts_state").scalar()
    if indexed == wanted:
        return
    conn.exec_driver_sql("DELETE FROM temp.kb_fts")
    conn.exec_driver_sql(
        "INSERT INTO temp.kb_fts (head, body, article_id) "
        "SELECT v.search_head, v.search_body, a.id FROM kb_articles AS a "
        "JOIN kb_article_versions AS v ON v.article_id = a.id AND v.number = a.current_version"
    )
    conn.exec_driver_sql("DELETE FROM temp.kb_fts_state")
    conn.exec_driver_sql("INSERT INTO temp.kb_fts_state (generation) VALUES (?)", (wanted,))
