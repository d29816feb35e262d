"""Typed outputs of supervision: the overview and the overdue marker's report."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from ticketing.tickets.lifecycle import Status


class OverviewItem(BaseModel):
    """One ticket in an overview list (no caller identity)."""

    id: uuid.UUID
    number: str
    title: str
    category: str
    category_label: str
    status: Status
    status_label: str
    urgency: str
    unit: str | None
    unit_name: str | None
    dispatched_at: datetime | None
    due_at: datetime | None
    hours_overdue: float | None  # > 0 when overdue
    hours_left: float | None  # ≥ 0 while the deadline runs
    supervised: bool
    extension_pending: bool


class OverviewCounts(BaseModel):
    """How many open tickets are in each bucket."""

    overdue: int
    due_soon: int
    supervised: int
    pending_instruction: int
    returned: int
    extension_pending: int


class OverviewOut(BaseModel):
    """``GET /supervision/overview``: counts and the first ``limit`` tickets of each bucket."""

    as_of: datetime
    due_within_hours: int
    counts: OverviewCounts
    overdue: list[OverviewItem]
    due_soon: list[OverviewItem]
    supervised: list[OverviewItem]
    pending_instruction: list[OverviewItem]
    returned: list[OverviewItem]
    extension_pending: list[OverviewItem]


class MarkedOut(BaseModel):
    """One ``overdue`` event written by the daily job."""

    number: str
    due_at: datetime
    event_id: int
    unit: str | None


class MarkOverdueOut(BaseModel):
    """What one run of the daily job did."""

    as_of: datetime
    marked: list[MarkedOut]
    already_marked: int
