"""``/api/v1/calendar``: working days, deadlines and admin overrides (e.g. a newly published year)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ticketing.accounts.actor import require_role
from ticketing.api.deps import Context, CurrentActor
from ticketing.calendar.service import load_calendar, recompute_provisional_deadlines, save_overrides
from ticketing.schema_types import reject_nul
from ticketing.tickets.lifecycle import Role

router = APIRouter(prefix="/calendar", tags=["calendar"])


class OverrideIn(BaseModel):
    """One corrected day."""

    model_config = ConfigDict(extra="forbid")
    day: date
    workday: bool
    note: Annotated[str | None, AfterValidator(reject_nul)] = Field(default=None, max_length=200)


class OverridesIn(BaseModel):
    """A batch of corrected days; ``confirm_year`` marks that year's official notice as loaded."""

    model_config = ConfigDict(extra="forbid")
    days: list[OverrideIn] = Field(default_factory=list, max_length=400)
    confirm_year: int | None = Field(default=None, ge=2000, le=2100)


@router.get("/days/{day}")
def day_info(day: date, ctx: Context, _actor: CurrentActor) -> dict[str, object]:
    """Whether ``day`` is a working day, and whether that answer is provisional."""
    with ctx.unit_of_work() as session:
        calendar = ctx.calendar(session)
        return {
            "day": day.isoformat(),
            "workday": calendar.is_workday(day),
            "provisional": calendar.is_provisional(day.year),
        }


@router.get("/add-workdays")
def add_workdays(start: date, n: int, ctx: Context, _actor: CurrentActor) -> dict[str, object]:
    """The ``n``-th working day after ``start``."""
    with ctx.unit_of_work() as session:
        calendar = ctx.calendar(session)
        result = calendar.add_workdays(start, n)
        return {
            "start": start.isoformat(),
            "n": n,
            "date": result.isoformat(),
            "provisional": any(calendar.is_provisional(y) for y in range(start.year, result.year + 1)),
        }


@router.post("/overrides")
def put_overrides(body: OverridesIn, ctx: Context, actor: CurrentActor) -> dict[str, int]:
    """Store overrides (admin) and recompute every provisional deadline of open tickets."""
    require_role(actor, Role.ADMIN)
    with ctx.unit_of_work() as session:
        written = save_overrides(
            session, [(d.day, d.workday, d.note) for d in body.days], confirm_year=body.confirm_year
        )
        recomputed = recompute_provisional_deadlines(session, load_calendar(session))
    ctx.invalidate_calendar()
    return {"days_written": written, "deadlines_recomputed": recomputed}
