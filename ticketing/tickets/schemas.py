"""Typed inputs and outputs of tickets: 登记, actions, the ticket and its history, list queries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from ticketing.categories import Category, Channel, Urgency
from ticketing.phone import normalise_phone
from ticketing.schema_types import (
    LATEST_DAY,
    Reason,
    StrictInput,
    Text200,
    Text300,
)
from ticketing.tickets.lifecycle import Action, HandlingKind, Satisfaction, Status


class CallerIn(StrictInput):
    """The person who reports (来电人, R-ID). ``confidential`` is the 保密 request."""

    name: Annotated[str, StringConstraints(max_length=100)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    address: Text300 | None = None
    confidential: bool = False

    @field_validator("phone")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class TicketCreate(StrictInput):
    """Registration data of a new work order (R-REC). ``as_draft=True`` keeps it as a draft (草稿)."""

    channel: Channel = Channel.PHONE
    category: Category
    title: Text200
    content: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    summary: Annotated[str, StringConstraints(max_length=2000)] | None = None
    location: Text300 | None = None
    urgency: Urgency = Urgency.NORMAL
    caller: CallerIn = Field(default_factory=CallerIn)
    draft_id: uuid.UUID | None = Field(
        default=None, description="the call's draft this ticket registers (linked both ways; its call too)"
    )
    call_id: uuid.UUID | None = Field(default=None, description="the call, when there is no draft to name")
    emergency_handled: Literal["transferred", "not_emergency"] | None = Field(
        default=None,
        description="required when the draft flags an emergency (110/119/120/122): what the agent did",
    )
    as_draft: bool = False

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        return Category.parse(value) if isinstance(value, str) else value


class ActionRequest(StrictInput):
    """Body of a lifecycle action. Each action reads the fields it needs (see
    ``ticketing.tickets.lifecycle``)."""

    reason: Reason | None = None
    lead_department: str | None = Field(default=None, max_length=64, description="code or id")
    co_departments: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=20
    )
    countersign: bool = Field(
        default=False,
        description="会签件: the lead unit's reply waits for every co-unit's 会签回复 (dispatch/instruct)",
    )
    knowledge_ref: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    promised_date: date | None = Field(default=None, le=LATEST_DAY)
    new_due_date: date | None = Field(default=None, le=LATEST_DAY)
    satisfaction: Satisfaction | None = None
    result_satisfaction: Satisfaction | None = None
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="uploaded attachments (回复/承诺/延期申请)"
    )
    expected_version: int | None = Field(default=None, ge=1)


class AssignmentOut(BaseModel):
    """A unit's share in a ticket."""

    department_id: uuid.UUID
    department_code: str
    department_name: str
    role: str
    active: bool
    assigned_at: datetime
    accepted_at: datetime | None


class CallerOut(BaseModel):
    """Caller identity; ``masked`` when the reader may not see it (R-PRIV)."""

    name: str | None
    phone: str | None
    address: str | None
    confidential: bool
    masked: bool


class TicketOut(BaseModel):
    """A work order as the API shows it."""

    id: uuid.UUID
    number: str
    version: int
    channel: Channel
    status: Status
    status_label: str
    category: Category
    category_label: str
    urgency: Urgency
    title: str
    content: str
    summary: str | None
    location: str | None
    caller: CallerOut
    handling_kind: HandlingKind
    extension_pending: bool
    supervised: bool
    redo_count: int
    knowledge_ref: str | None
    promised_date: date | None
    dispatched_at: datetime | None
    due_at: datetime | None
    due_provisional: bool
    overdue: bool
    satisfaction: Satisfaction | None
    call_id: uuid.UUID | None
    draft_id: uuid.UUID | None
    assignments: list[AssignmentOut]
    allowed_actions: list[Action]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class EventOut(BaseModel):
    """One row of a ticket's history."""

    id: int
    at: datetime
    actor: str | None
    actor_role: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    payload: dict[str, object]


class TicketQuery(StrictInput):
    """Filters of the ticket list."""

    status: list[Status] = Field(default_factory=list)
    category: list[Category] = Field(default_factory=list)
    department: str | None = Field(default=None, max_length=64)
    caller_phone: str | None = Field(default=None, max_length=40)
    overdue: bool | None = None
    due_within_hours: int | None = Field(default=None, ge=1, le=24 * 60)
    created_from: datetime | None = None
    created_to: datetime | None = None
    include_merged: bool = Field(default=False, description="Also list tickets merged into another (并单).")
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)

    @field_validator("caller_phone")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("created_from", "created_to")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        # Naive values are refused by the service with a precise message; aware ones must fit in UTC.
        if value is not None and value.tzinfo is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise ValueError("date-time out of range") from None
        return value
