"""Typed inputs and outputs of departments (承办单位)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schema_types import (
    Code,
    StrictInput,
    Text200,
)


class DepartmentCreate(StrictInput):
    """A new responsible unit."""

    code: Code
    name: Text200
    level: Annotated[str, StringConstraints(pattern=r"^(city|district|street)$")]
    parent: str | None = Field(default=None, max_length=64, description="parent code or id")


class DepartmentUpdate(StrictInput):
    """Changes to a unit; absent fields stay as they are."""

    name: Text200 | None = None
    parent: str | None = Field(default=None, max_length=64)
    active: bool | None = None


class DepartmentOut(BaseModel):
    """A responsible unit as the API shows it."""

    id: uuid.UUID
    code: str
    name: str
    level: str
    parent_id: uuid.UUID | None
    active: bool
