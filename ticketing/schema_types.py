"""Building blocks shared by every feature's pydantic shapes: the strict input base, bounded text
types, URL references and pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, field_validator

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


class StrictInput(BaseModel):
    """Base of every request body and query: unknown fields refused, text stripped, no NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        return reject_nul(value)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    page_size: int
