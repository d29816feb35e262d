"""Typed inputs and outputs of the ticketing service layer; the REST API uses them as its bodies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ticketing.categories import Category, Channel, Urgency
from ticketing.lifecycle import Action, HandlingKind, Role, Satisfaction, Status
from ticketing.phone import normalise_phone

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]

# Planning dates (promised completion, extended due date) end here: nothing is promised a century ahead,
# and end-of-day arithmetic on date.max would overflow.
LATEST_DAY = date(2100, 12, 31)


def reject_nul(value: object) -> object:
    """Refuse NUL characters in text (and lists of text): PostgreSQL cannot store them in text columns."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL (\\x00) characters")
    if isinstance(value, list):
        for item in value:
            reject_nul(item)
    return value


# A ticket or department reference in a URL path (id, number or code).
Ref = Annotated[str, AfterValidator(reject_nul)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        return reject_nul(value)


class CallerIn(_In):
    """The person who reports (来电人, R-ID). ``confidential`` is the 保密 request."""

    name: Annotated[str, StringConstraints(max_length=100)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    address: Text300 | None = None
    confidential: bool = False

    @field_validator("phone")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None


class TicketCreate(_In):
    """Registration data of a new work order (R-REC). ``as_draft=True`` keeps it as a draft (草稿)."""

    channel: Channel = Channel.PHONE
    category: Category
    title: Text200
    content: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    summary: Annotated[str, StringConstraints(max_length=2000)] | None = None
    location: Text300 | None = None
    urgency: Urgency = Urgency.NORMAL
    caller: CallerIn = Field(default_factory=CallerIn)
    call_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    draft_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    as_draft: bool = False

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        return Category.parse(value) if isinstance(value, str) else value


class ActionRequest(_In):
    """Body of a lifecycle action. Each action reads the fields it needs (see ``ticketing.lifecycle``)."""

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


class CoActionRequest(_In):
    """Body of a 会签 step: ``text`` is the 会签回复 (or a waiver's reason; ``reason`` is accepted too)."""

    text: Reason | None = None
    reason: Reason | None = None
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    expected_version: int | None = Field(default=None, ge=1)


class DepartmentCreate(_In):
    """A new responsible unit."""

    code: Code
    name: Text200
    level: Annotated[str, StringConstraints(pattern=r"^(city|district|street)$")]
    parent: str | None = Field(default=None, max_length=64, description="parent code or id")


class DepartmentUpdate(_In):
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
    call_id: str | None
    draft_id: str | None
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


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    page_size: int


class TicketQuery(_In):
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


class UserCreate(_In):
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


class TokenRequest(_In):
    """Log-in body."""

    username: Annotated[str, StringConstraints(max_length=64)]
    password: Annotated[str, StringConstraints(max_length=200)]


class TokenOut(BaseModel):
    """A bearer token and when it stops working."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role


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


class AttachmentOut(BaseModel):
    """An uploaded file's metadata (download with ``GET …/attachments/{id}``)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    uploader_role: str
    department_code: str | None
    uploaded_at: datetime


class InboxItem(BaseModel):
    """One ticket in a unit's inbox, with what the unit must do and by when (caller masked)."""

    id: uuid.UUID
    number: str
    version: int
    title: str
    category: Category
    category_label: str
    urgency: Urgency
    status: Status
    status_label: str
    handling_kind: HandlingKind
    caller: CallerOut
    my_role: str  # lead | co
    dispatched_at: datetime | None
    accepted_at: datetime | None
    return_deadline: datetime | None = Field(description="退件 the same (Shanghai) day (R-RET)")
    collect_deadline: datetime | None = Field(description="签收/退件 within 24 h of dispatch (R-RET)")
    return_late: bool
    collect_late: bool
    due_at: datetime | None
    due_provisional: bool
    overdue: bool
    promised_date: date | None
    extension_pending: bool
    supervised: bool
    countersign_required: bool
    pending_co_units: int


class InboxCounts(BaseModel):
    """How many tickets wait in each group."""

    to_collect: int
    handling: int
    countersign: int


class InboxOut(BaseModel):
    """A unit's work: 待签收, 办理中/承诺, and 会签 shares not yet replied."""

    department_code: str
    department_name: str
    as_of: datetime
    counts: InboxCounts
    to_collect: list[InboxItem]
    handling: list[InboxItem]
    countersign: list[InboxItem]


class InboxTicketOut(BaseModel):
    """One ticket as the unit works on it: the ticket, the shares, and the unit's possible steps."""

    ticket: TicketOut
    my_role: str | None
    my_actions: list[str]
    shares: list[ShareOut]
    countersign_required: bool
    pending_co_units: int
    return_deadline: datetime | None
    collect_deadline: datetime | None
