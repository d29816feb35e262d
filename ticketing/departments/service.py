"""Departments (承办单位): a city → district → street hierarchy."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.departments.schemas import DepartmentCreate, DepartmentUpdate
from ticketing.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ticketing.tickets.lifecycle import Role

_LEVEL_RANK = {"city": 0, "district": 1, "street": 2}


class DepartmentService:
    """Create, change, find and list departments."""

    def __init__(self, session: Session, *, now: Clock = utcnow) -> None:
        self._session = session
        self._now = now

    def resolve(self, ref: str, *, active_only: bool = False) -> Department:
        """Find a department by code or id; raise :class:`NotFound`."""
        department = self._session.scalar(select(Department).where(Department.code == ref))
        if department is None:
            try:
                department = self._session.get(Department, uuid.UUID(ref))
            except ValueError:
                department = None
        if department is None:
            raise NotFound(f"department {ref!r} does not exist", department=ref)
        if active_only and not department.active:
            raise InvalidInput(f"department {department.code} is inactive", department=ref)
        return department

    def list(self, *, include_inactive: bool = False) -> Sequence[Department]:
        """All departments, ordered by code."""
        stmt = select(Department).order_by(Department.code)
        if not include_inactive:
            stmt = stmt.where(Department.active.is_(True))
        return self._session.scalars(stmt).all()

    def create(self, data: DepartmentCreate, actor: Actor) -> Department:
        """Add a unit; the parent must be of a higher level (city ⊃ district ⊃ street)."""
        _require_admin(actor)
        if self._session.scalar(select(Department.id).where(Department.code == data.code)):
            raise Conflict(f"department code {data.code!r} is taken", code=data.code)
        parent = self.resolve(data.parent) if data.parent else None
        if parent is not None and _LEVEL_RANK[parent.level] >= _LEVEL_RANK[data.level]:
            raise InvalidInput(
                f"a {data.level} unit cannot sit under a {parent.level} unit", parent=data.parent
            )
        department = Department(
            code=data.code,
            name=data.name,
            level=data.level,
            parent_id=parent.id if parent else None,
            active=True,
            created_at=self._now(),
        )
        self._session.add(department)
        self._session.flush()
        return department

    def update(self, ref: str, data: DepartmentUpdate, actor: Actor) -> Department:
        """Rename, re-parent or (de)activate a unit. Units are never deleted: tickets point at them."""
        _require_admin(actor)
        department = self.resolve(ref)
        if data.name is not None:
            department.name = data.name
        if data.parent is not None:
            parent = self.resolve(data.parent)
            if parent.id == department.id or _LEVEL_RANK[parent.level] >= _LEVEL_RANK[department.level]:
                raise InvalidInput("invalid parent for this unit", parent=data.parent)
            department.parent_id = parent.id
        if data.active is not None:
            department.active = data.active
        self._session.flush()
        return department


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin may change departments", role=actor.role.value)
