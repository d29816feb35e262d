"""Typed outputs of the department inbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from ticketing.categories import Category, Urgency
from ticketing.countersign.schemas import ShareOut
from ticketing.tickets.lifecycle import HandlingKind, Status
from ticketing.tickets.schemas import CallerOut, TicketOut


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
