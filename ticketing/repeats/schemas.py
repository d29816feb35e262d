"""Typed inputs and outputs of repeat matters (并单): the merge request, the link and the candidates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.repeats.similarity import Measure
from ticketing.schema_types import StrictInput
from ticketing.tickets.lifecycle import Status


class MergeRequest(StrictInput):
    """Merge the ticket in the path into ``into`` (an earlier open ticket of the same caller)."""

    into: str = Field(min_length=1, max_length=64, description="target ticket number or id")
    policy_not_carried_out: bool = Field(
        default=False, description="the caller re-reports because the unit did not act (R-SCORE −1)"
    )
    department: str | None = Field(
        default=None, max_length=64, description="unit charged with the −1 (default: the target's lead)"
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    expected_version: int | None = Field(default=None, ge=1, description="of the ticket being merged")


class MergeLinkOut(BaseModel):
    """A ``merged_into`` link and the two ``merge_repeat`` events."""

    merged_ticket: str
    target_ticket: str
    policy_not_carried_out: bool
    department: str | None
    merged_event_id: int
    target_event_id: int
    created_at: datetime


class CandidateOut(BaseModel):
    """An earlier ticket of the same caller that looks like the same matter."""

    id: uuid.UUID
    number: str
    title: str
    category: str
    category_label: str
    status: Status
    status_label: str
    created_at: datetime
    due_at: datetime | None
    lead_department: str | None
    lead_department_name: str | None
    mergeable: bool  # open and not merged: the new ticket may be merged into it
    score: float
    jaccard: float
    cosine: float
    shared_tokens: list[str]


class RulesOut(BaseModel):
    """The rule the candidates were found with."""

    window_days: int
    threshold: float
    measure: Measure


class RepeatCandidatesOut(BaseModel):
    """``GET /tickets/{ref}/repeat-candidates``."""

    ticket: str
    rules: RulesOut
    merged_into: MergeLinkOut | None
    merged_here: list[MergeLinkOut]
    candidates: list[CandidateOut]
