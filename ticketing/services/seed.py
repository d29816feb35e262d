"""Demo data: a small city's departments, loaded by ``hotline db seed-demo`` and ``hotline demo``."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.db.models import Department
from ticketing.schemas import DepartmentCreate
from ticketing.services.actor import Actor
from ticketing.services.departments import DepartmentService


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
