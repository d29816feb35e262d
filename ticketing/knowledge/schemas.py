"""Typed inputs and outputs of the knowledge base (R-KB); the REST API uses them as its bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schema_types import LATEST_DAY, StrictInput, Text200

KbCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        max_length=32,
        pattern=r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+){1,3}$",
    ),
]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
AnswerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
SpecialText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
DepartmentRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ArticleStatus(StrEnum):
    """Life of an article: only ``published`` articles are searched, suggested and cited (直办)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class ArticleCreate(StrictInput):
    """A new article; it starts as ``draft`` unless ``publish`` is set. ``valid_to`` is inclusive."""

    code: KbCode = Field(description="human code, unique, e.g. KB-SB-0001")
    title: Text200
    category: Topic = Field(description="an R-CAT code (consult, help, …) or a topic (社保, 户籍, …)")
    department: DepartmentRef | None = Field(default=None, description="responsible unit, code or id")
    questions: list[Question] = Field(default_factory=list, max_length=50)
    answer: AnswerText = Field(description="标准答案")
    special_cases: SpecialText | None = Field(default=None, description="special-situation wording")
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    valid_from: date | None = Field(default=None, le=LATEST_DAY)
    valid_to: date | None = Field(default=None, le=LATEST_DAY)
    change_note: Note | None = None
    publish: bool = False


class ArticleUpdate(StrictInput):
    """An edit: writes version ``expected_version + 1``. Absent fields keep their value; ``null`` clears
    the optional ones (department, special_cases, valid_from, valid_to)."""

    expected_version: int = Field(ge=1, description="the version the edit is based on (optimistic lock)")
    title: Text200 | None = None
    category: Topic | None = None
    department: DepartmentRef | None = None
    questions: list[Question] | None = Field(default=None, max_length=50)
    answer: AnswerText | None = None
    special_cases: SpecialText | None = None
    keywords: list[Keyword] | None = Field(default=None, max_length=30)
    valid_from: date | None = Field(default=None, le=LATEST_DAY)
    valid_to: date | None = Field(default=None, le=LATEST_DAY)
    change_note: Note | None = None


class StatusChange(StrictInput):
    """Body of publish / retire."""

    expected_version: int | None = Field(default=None, ge=1)
    reason: Note | None = None


class ArticleQuery(StrictInput):
    """Filters of the article list (by code)."""

    status: list[ArticleStatus] = Field(default_factory=list)
    category: Topic | None = None
    department: DepartmentRef | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=200)


class SearchQuery(StrictInput):
    """A full-text question; only published articles, valid today unless ``include_expired``."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    category: Topic | None = None
    department: DepartmentRef | None = None
    include_expired: bool = Field(default=False, description="also expired and not-yet-valid articles")
    page: int = Field(default=1, ge=1, le=1_000)
    page_size: int = Field(default=10, ge=1, le=50)


class VersionOut(BaseModel):
    """One version of an article's content."""

    number: int
    title: str
    category: str
    department_code: str | None
    department_name: str | None
    questions: list[str]
    answer: str
    special_cases: str | None
    keywords: list[str]
    valid_from: date | None
    valid_to: date | None
    change_note: str | None
    created_by: str | None
    created_at: datetime


class VersionSummary(BaseModel):
    """A line of the version history."""

    number: int
    title: str
    change_note: str | None
    created_by: str | None
    created_at: datetime


class ArticleOut(BaseModel):
    """An article with its current version and its history (oldest first)."""

    id: uuid.UUID
    code: str
    status: ArticleStatus
    current_version: int
    valid_today: bool
    current: VersionOut
    history: list[VersionSummary]
    created_by: str | None
    created_at: datetime
    updated_by: str | None
    updated_at: datetime


class ArticleVersionOut(BaseModel):
    """A specific version of an article, as it read then."""

    article_id: uuid.UUID
    code: str
    status: ArticleStatus
    current_version: int
    version: VersionOut


class ArticleHit(BaseModel):
    """An article in a list, search result or suggestion; ``score`` is relevance (higher = better)."""

    id: uuid.UUID
    code: str
    status: ArticleStatus
    version: int
    title: str
    category: str
    department_code: str | None
    answer: str
    special_cases: str | None
    valid_from: date | None
    valid_to: date | None
    valid_today: bool
    score: float | None = None
