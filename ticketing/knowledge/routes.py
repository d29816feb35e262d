"""``/api/v1/knowledge``: standard answers (R-KB) — versions, publish/retire, search, ticket suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from ticketing.api.deps import Context, CurrentActor
from ticketing.knowledge.schemas import (
    ArticleCreate,
    ArticleHit,
    ArticleOut,
    ArticleQuery,
    ArticleStatus,
    ArticleUpdate,
    ArticleVersionOut,
    SearchQuery,
    StatusChange,
)
from ticketing.knowledge.search import KnowledgeSearch
from ticketing.knowledge.service import KnowledgeService
from ticketing.schema_types import Page, Ref

router = APIRouter(tags=["knowledge"])


@router.post("/knowledge/articles", status_code=status.HTTP_201_CREATED)
def create_article(body: ArticleCreate, ctx: Context, actor: CurrentActor) -> ArticleOut:
    """Add an article with version 1 (supervisor/admin). Code taken → 409 ``code_taken``."""
    with ctx.unit_of_work() as session:
        service = KnowledgeService(session, now=ctx.now)
        article = service.create(body, actor)
        return service.get(article.code, actor)


@router.get("/knowledge/articles")
def list_articles(
    ctx: Context, actor: CurrentActor, query: Annotated[ArticleQuery, Query()]
) -> Page[ArticleHit]:
    """Articles by code (departments: published only)."""
    with ctx.unit_of_work() as session:
        return KnowledgeSearch(session, now=ctx.now).find(query, actor)


@router.get("/knowledge/articles/{ref}")
def get_article(ref: Ref, ctx: Context, actor: CurrentActor) -> ArticleOut:
    """One article by code or id, with its current version and version history."""
    with ctx.unit_of_work() as session:
        return KnowledgeService(session, now=ctx.now).get(ref, actor)


@router.patch("/knowledge/articles/{ref}")
def update_article(ref: Ref, body: ArticleUpdate, ctx: Context, actor: CurrentActor) -> ArticleOut:
    """Edit = a new version (supervisor/admin); ``expected_version`` not current → 409 ``stale_version``."""
    with ctx.unit_of_work() as session:
        service = KnowledgeService(session, now=ctx.now)
        article = service.update(ref, body, actor)
        return service.get(article.code, actor)


@router.get("/knowledge/articles/{ref}/versions/{number}")
def get_article_version(
    ref: Ref, number: Annotated[int, Path(ge=1, le=1_000_000)], ctx: Context, actor: CurrentActor
) -> ArticleVersionOut:
    """A specific version, exactly as written."""
    with ctx.unit_of_work() as session:
        return KnowledgeService(session, now=ctx.now).get_version(ref, number, actor)


def _status_route(target: ArticleStatus, verb: str, summary: str) -> None:
    def change(ref: Ref, body: StatusChange, ctx: Context, actor: CurrentActor) -> ArticleOut:
        with ctx.unit_of_work() as session:
            service = KnowledgeService(session, now=ctx.now)
            article = service.set_status(ref, target, body, actor)
            return service.get(article.code, actor)

    change.__name__ = f"{verb}_article"
    change.__doc__ = f"{summary} (supervisor/admin)."
    router.add_api_route(
        f"/knowledge/articles/{{ref}}/{verb}",
        change,
        methods=["POST"],
        summary=summary,
        response_model=ArticleOut,
    )


_status_route(ArticleStatus.PUBLISHED, "publish", "Publish an article (发布)")
_status_route(ArticleStatus.RETIRED, "retire", "Retire an article (废止)")


@router.get("/knowledge/search")
def search_articles(
    ctx: Context, actor: CurrentActor, query: Annotated[SearchQuery, Query()]
) -> Page[ArticleHit]:
    """Chinese full-text search of published articles valid today, most relevant first."""
    with ctx.unit_of_work() as session:
        return KnowledgeSearch(session, now=ctx.now).search(query, actor)


@router.get("/tickets/{ref}/knowledge-suggestions")
def ticket_knowledge_suggestions(
    ref: Ref, ctx: Context, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=20)] = 5
) -> list[ArticleHit]:
    """Standard answers that fit the ticket's content (for 直办)."""
    with ctx.unit_of_work() as session:
        return KnowledgeSearch(session, now=ctx.now).suggest_for_ticket(ref, actor, limit)
