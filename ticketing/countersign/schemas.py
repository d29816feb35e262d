"""Typed inputs and outputs of 会签: a co-unit's step and the units' shares."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from ticketing.schema_types import (
    Reason,
    StrictInput,
)


class CoActionRequest(StrictInput):
    """Body of a 会签 step: ``text`` is the 会签回复 (or a waiver's reason; ``reason`` is accepted too)."""

    text: Reason | None = None
    reason: Reason | None = None
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    expected_version: int | None = Field(default=None, ge=1)


class ShareOut(BaseModel):
    """A unit's share in a ticket with its 会签 progress in the current handling round."""

    department_code: str
    department_name: str
    role: str  # lead | co
    assigned_at: datetime
    accepted_at: datetime | None
    replied_at: datetime | None  # co-units: the 会签回复
    reply: str | None
    attachment_ids: list[uuid.UUID]
    waived: bool  # a leader waived this co-unit's reply
    waive_reason: str | None
