"""Typed inputs and outputs of accounts and log-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schema_types import (
    StrictInput,
    Text200,
)
from ticketing.tickets.lifecycle import Role


class UserCreate(StrictInput):
    """A new account."""

    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
    display_name: Text200
    role: Role
    department: str | None = Field(default=None, max_length=64)
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)]


class UserOut(BaseModel):
    """An account as the API shows it (never its password)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    department_id: uuid.UUID | None
    active: bool


class TokenRequest(StrictInput):
    """Log-in body."""

    username: Annotated[str, StringConstraints(max_length=64)]
    password: Annotated[str, StringConstraints(max_length=200)]


class TokenOut(BaseModel):
    """A bearer token and when it stops working."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role
