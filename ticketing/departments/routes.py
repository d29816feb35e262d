"""``/api/v1/departments``: the responsible units."""

from __future__ import annotations

from fastapi import APIRouter, status

from ticketing.api.deps import Context, CurrentActor
from ticketing.departments.models import Department
from ticketing.departments.schemas import DepartmentCreate, DepartmentOut, DepartmentUpdate
from ticketing.departments.service import DepartmentService
from ticketing.schema_types import Ref

router = APIRouter(prefix="/departments", tags=["departments"])


def _out(department: Department) -> DepartmentOut:
    return DepartmentOut(
        id=department.id,
        code=department.code,
        name=department.name,
        level=department.level,
        parent_id=department.parent_id,
        active=department.active,
    )


@router.get("")
def list_departments(
    ctx: Context, _actor: CurrentActor, include_inactive: bool = False
) -> list[DepartmentOut]:
    """All units, by code."""
    with ctx.unit_of_work() as session:
        return [_out(d) for d in DepartmentService(session).list(include_inactive=include_inactive)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_department(body: DepartmentCreate, ctx: Context, actor: CurrentActor) -> DepartmentOut:
    """Add a unit (admin)."""
    with ctx.unit_of_work() as session:
        return _out(DepartmentService(session, now=ctx.now).create(body, actor))


@router.get("/{ref}")
def get_department(ref: Ref, ctx: Context, _actor: CurrentActor) -> DepartmentOut:
    """One unit by code or id."""
    with ctx.unit_of_work() as session:
        return _out(DepartmentService(session).resolve(ref))


@router.patch("/{ref}")
def update_department(ref: Ref, body: DepartmentUpdate, ctx: Context, actor: CurrentActor) -> DepartmentOut:
    """Rename, re-parent or (de)activate a unit (admin). Units are never deleted."""
    with ctx.unit_of_work() as session:
        return _out(DepartmentService(session, now=ctx.now).update(ref, body, actor))
