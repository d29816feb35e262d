"""Demo data: a small city's departments (``hotline db seed-demo``, ``hotline demo``) and a dozen
standard answers of the knowledge base (R-KB)."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.schemas import DepartmentCreate
from ticketing.departments.service import DepartmentService
from ticketing.knowledge.models import KnowledgeArticle
from ticketing.knowledge.schemas import ArticleCreate
from ticketing.knowledge.service import KnowledgeService


def seed_demo_departments(session: Session) -> int:
    """Create the demo departments that do not exist yet; return how many were added."""
    raw = resources.files("ticketing.seed").joinpath("departments.json").read_text(encoding="utf-8")
    service = DepartmentService(session)
    added = 0
    for item in json.loads(raw):
        if session.scalar(select(Department.id).where(Department.code == item["code"])):
            continue
        service.create(DepartmentCreate(**item), Actor.system())
        added += 1
    return added


def seed_demo_knowledge(session: Session, *, now: Clock = utcnow) -> int:
    """Create and publish the demo knowledge articles that do not exist yet; return how many were added.

    Needs the demo departments (articles name their responsible unit by code).
    """
    raw = resources.files("ticketing.seed").joinpath("knowledge.json").read_text(encoding="utf-8")
    service = KnowledgeService(session, now=now)
    added = 0
    for item in json.loads(raw):
        if session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.code == item["code"])):
            continue
        service.create(ArticleCreate(**item, publish=True), Actor.system())
        added += 1
    return added
