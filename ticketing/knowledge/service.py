"""The knowledge base (知识库, R-KB): versioned standard answers and the 直办 citation check.

Writing: supervisors and admins create articles, edit them (every edit writes a new version row; the
article's ``current_version`` points at it and doubles as the optimistic lock), publish and retire them.
Reading: the hotline desk sees every article; department users see published ones only. A 直办 answer
may cite only a *published* article valid today (Asia/Shanghai). Search, listing and suggestions live in
:mod:`ticketing.knowledge.search`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ticketing.accounts.actor import Actor
from ticketing.accounts.models import User
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.service import DepartmentService
from ticketing.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from ticketing.knowledge import search as kb_search
from ticketing.knowledge import tokens as kb_tokens
from ticketing.knowledge.models import KnowledgeArticle, KnowledgeVersion
from ticketing.knowledge.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleStatus,
    ArticleUpdate,
    ArticleVersionOut,
    StatusChange,
    VersionOut,
    VersionSummary,
)
from ticketing.tickets.lifecycle import Role

_EDITORS = (Role.SUPERVISOR, Role.ADMIN)
_CONTENT_FIELDS = ("title", "category", "questions", "answer", "special_cases", "keywords")


class ArticleCodeTaken(Conflict):
    """Another article already uses this code."""

    error_id = "code_taken"


@dataclass(frozen=True, slots=True)
class Citation:
    """What a 直办 answer cited: the article and the exact version read out."""

    article_id: uuid.UUID
    code: str
    version: int
    title: str


class KnowledgeService:
    """Articles, versions, search and suggestions inside the caller's transaction."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def today(self) -> date:
        """The date in Shanghai: validity windows are counted in it."""
        return kb_search.today_in_shanghai(self._now())

    # -- writing -----------------------------------------------------------------------------------
    def create(self, data: ArticleCreate, actor: Actor) -> KnowledgeArticle:
        """A new article with version 1 (``draft``, or ``published`` with ``data.publish``)."""
        _require_editor(actor)
        if self._session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.code == data.code)):
            raise ArticleCodeTaken(f"article code {data.code!r} is taken", field="code", code=data.code)
        _check_window(data.valid_from, data.valid_to)
        now = self._now()
        status = ArticleStatus.PUBLISHED if data.publish else ArticleStatus.DRAFT
        if status is ArticleStatus.PUBLISHED:
            self._require_not_expired(data.valid_to)
        article = KnowledgeArticle(
            id=uuid.uuid4(),
            code=data.code,
            status=status.value,
            current_version=1,
            created_by=actor.user_id,
            created_at=now,
            updated_by=actor.user_id,
            updated_at=now,
        )
        self._session.add(article)
        content = {f: getattr(data, f) for f in _CONTENT_FIELDS}
        department = self._department_id(data.department)
        self._add_version(article, 1, content, department, data.valid_from, data.valid_to, data, actor)
        self._flush()
        return article

    def update(self, ref: str, data: ArticleUpdate, actor: Actor) -> KnowledgeArticle:
        """Write version ``expected_version + 1`` from the current one plus the given changes."""
        _require_editor(actor)
        article = self.load(ref, actor)
        self._check_version(article, data.expected_version)
        if article.status == ArticleStatus.RETIRED:
            raise Conflict("a retired article cannot be edited; publish it again first", code=article.code)
        current = self._version(article, article.current_version)
        given = data.model_fields_set
        content = {f: getattr(data if f in given else current, f) for f in _CONTENT_FIELDS}
        for field in ("title", "category", "answer", "questions", "keywords"):
            if content[field] is None:
                raise InvalidInput(f"{field} cannot be null", field=field)
        department = current.department_id
        if "department" in given:
            department = self._department_id(data.department)
        valid_from = data.valid_from if "valid_from" in given else current.valid_from
        valid_to = data.valid_to if "valid_to" in given else current.valid_to
        _check_window(valid_from, valid_to)
        unchanged = all(content[f] == getattr(current, f) for f in _CONTENT_FIELDS) and (
            department,
            valid_from,
            valid_to,
        ) == (current.department_id, current.valid_from, current.valid_to)
        if unchanged:
            raise InvalidInput("the edit changes nothing", code=article.code)
        number = article.current_version + 1
        self._add_version(article, number, content, department, valid_from, valid_to, data, actor)
        article.current_version = number
        self._touch(article, actor)
        self._flush()
        return article

    def set_status(
        self, ref: str, target: ArticleStatus, data: StatusChange, actor: Actor
    ) -> KnowledgeArticle:
        """Publish (from draft or retired) or retire (from draft or published) an article."""
        _require_editor(actor)
        article = self.load(ref, actor)
        self._check_version(article, data.expected_version)
        if article.status == target:
            raise Conflict(f"article {article.code} is already {target.value}", code=article.code)
        if target is ArticleStatus.DRAFT:
            raise InvalidInput("an article cannot go back to draft", field="status")
        if target is ArticleStatus.PUBLISHED:
            self._require_not_expired(self._version(article, article.current_version).valid_to)
        article.status = target.value
        self._touch(article, actor)
        self._flush()
        return article

    # -- reading -----------------------------------------------------------------------------------
    def load(self, ref: str, actor: Actor) -> KnowledgeArticle:
        """The article with code or id ``ref`` if ``actor`` may read it, else :class:`NotFound`."""
        article = self._find(ref)
        # Departments read published articles only; others are reported as missing.
        hidden = actor.role is Role.DEPARTMENT and article is not None and article.status != "published"
        if article is None or hidden:
            raise NotFound(f"knowledge article {ref!r} does not exist", article=ref)
        return article

    def get(self, ref: str, actor: Actor) -> ArticleOut:
        """An article with its current version and history."""
        article = self.load(ref, actor)
        versions = self._session.scalars(
            select(KnowledgeVersion)
            .where(KnowledgeVersion.article_id == article.id)
            .order_by(KnowledgeVersion.number)
        ).all()
        current = next(v for v in versions if v.number == article.current_version)
        names = self._usernames([article.created_by, article.updated_by, *(v.created_by for v in versions)])
        return ArticleOut(
            id=article.id,
            code=article.code,
            status=ArticleStatus(article.status),
            current_version=article.current_version,
            valid_today=kb_search.valid_on(current, self.today()),
            current=self._version_out(current, names),
            history=[
                VersionSummary(
                    number=v.number,
                    title=v.title,
                    change_note=v.change_note,
                    created_by=names.get(v.created_by),
                    created_at=v.created_at,
                )
                for v in versions
            ],
            created_by=names.get(article.created_by),
            created_at=article.created_at,
            updated_by=names.get(article.updated_by),
            updated_at=article.updated_at,
        )

    def get_version(self, ref: str, number: int, actor: Actor) -> ArticleVersionOut:
        """Version ``number`` of an article exactly as it was written."""
        article = self.load(ref, actor)
        version = self._session.scalar(
            select(KnowledgeVersion).where(
                KnowledgeVersion.article_id == article.id, KnowledgeVersion.number == number
            )
        )
        if version is None:
            raise NotFound(f"article {article.code} has no version {number}", article=ref, version=number)
        return ArticleVersionOut(
            article_id=article.id,
            code=article.code,
            status=ArticleStatus(article.status),
            current_version=article.current_version,
            version=self._version_out(version, self._usernames([version.created_by])),
        )

    def cite(self, ref: str) -> Citation:
        """The article a 直办 answer rests on: it must exist, be published and valid today (R-KB).

        Raises :class:`InvalidInput` (422) naming the problem: the reference is a field of the request.
        """
        article = self._find(ref)
        if article is None:
            raise InvalidInput(
                f"knowledge article {ref!r} does not exist", field="knowledge_ref", problem="unknown"
            )
        if article.status != ArticleStatus.PUBLISHED:
            raise InvalidInput(
                f"knowledge article {article.code} is {article.status}, not published",
                field="knowledge_ref",
                problem=f"not_published:{article.status}",
            )
        version = self._version(article, article.current_version)
        today = self.today()
        if not kb_search.valid_on(version, today):
            expired = version.valid_to is not None and version.valid_to < today
            window = f"{version.valid_from or '…'} – {version.valid_to or '…'}"
            raise InvalidInput(
                f"knowledge article {article.code} is not valid on {today} (valid {window})",
                field="knowledge_ref",
                problem="expired" if expired else "not_yet_valid",
            )
        return Citation(article.id, article.code, version.number, version.title)

    # -- helpers -----------------------------------------------------------------------------------
    def _find(self, ref: str) -> KnowledgeArticle | None:
        code = ref.strip().upper()
        article = self._session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.code == code))
        if article is None:
            try:
                article = self._session.get(KnowledgeArticle, uuid.UUID(ref))
            except ValueError:
                article = None
        return article

    def _version(self, article: KnowledgeArticle, number: int) -> KnowledgeVersion:
        version = self._session.scalar(
            select(KnowledgeVersion).where(
                KnowledgeVersion.article_id == article.id, KnowledgeVersion.number == number
            )
        )
        assert version is not None, "an article always has its current version"
        return version

    def _add_version(
        self,
        article: KnowledgeArticle,
        number: int,
        content: dict[str, Any],
        department_id: uuid.UUID | None,
        valid_from: date | None,
        valid_to: date | None,
        data: ArticleCreate | ArticleUpdate,
        actor: Actor,
    ) -> None:
        questions: list[str] = list(content["questions"])
        keywords: list[str] = list(content["keywords"])
        self._session.add(
            KnowledgeVersion(
                article_id=article.id,
                number=number,
                title=content["title"],
                category=content["category"],
                department_id=department_id,
                questions=questions,
                answer=content["answer"],
                special_cases=content["special_cases"] or None,
                keywords=keywords,
                valid_from=valid_from,
                valid_to=valid_to,
                search_head=kb_tokens.token_string(content["title"], *questions, *keywords),
                search_body=kb_tokens.token_string(content["answer"], content["special_cases"]),
                change_note=data.change_note,
                created_by=actor.user_id,
                created_at=self._now(),
            )
        )

    def _touch(self, article: KnowledgeArticle, actor: Actor) -> None:
        article.updated_at = self._now()
        article.updated_by = actor.user_id

    def _flush(self) -> None:
        try:
            self._session.flush()
        except StaleDataError as exc:
            raise StaleVersion("another edit changed the article first; reload and retry") from exc
        kb_search.mark_changed(self._session)

    @staticmethod
    def _check_version(article: KnowledgeArticle, expected: int | None) -> None:
        if expected is not None and expected != article.current_version:
            raise StaleVersion(
                "the article changed since you read it; reload and retry",
                expected_version=expected,
                current_version=article.current_version,
            )

    def _require_not_expired(self, valid_to: date | None) -> None:
        if valid_to is not None and valid_to < self.today():
            raise InvalidInput(f"the article expired on {valid_to}; cannot publish it", field="valid_to")

    def _department_id(self, ref: str | None) -> uuid.UUID | None:
        return DepartmentService(self._session).resolve(ref).id if ref else None

    def _version_out(self, version: KnowledgeVersion, names: dict[uuid.UUID | None, str]) -> VersionOut:
        department = self._session.get(Department, version.department_id) if version.department_id else None
        return VersionOut(
            number=version.number,
            title=version.title,
            category=version.category,
            department_code=department.code if department else None,
            department_name=department.name if department else None,
            questions=list(version.questions),
            answer=version.answer,
            special_cases=version.special_cases,
            keywords=list(version.keywords),
            valid_from=version.valid_from,
            valid_to=version.valid_to,
            change_note=version.change_note,
            created_by=names.get(version.created_by),
            created_at=version.created_at,
        )

    def _usernames(self, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID | None, str]:
        wanted = {i for i in ids if i is not None}
        names: dict[uuid.UUID | None, str] = {None: "system"}
        if wanted:
            rows = self._session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
            names.update({row[0]: row[1] for row in rows})
        return names


def _require_editor(actor: Actor) -> None:
    if actor.role not in _EDITORS:
        raise PermissionDenied(
            f"role {actor.role.value} may not change knowledge articles",
            allowed_roles=[r.value for r in _EDITORS],
        )


def _check_window(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            "valid_to lies before valid_from",
            field="valid_to",
            valid_from=valid_from.isoformat(),
            valid_to=valid_to.isoformat(),
        )
