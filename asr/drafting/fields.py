"""Typed results of draft extraction (docs/architecture.md §2 step 5) and the extraction configuration.

Every field carries a confidence in [0, 1] and the span (start, end offsets into the input text) it was
read from, or ``None`` when it was not read from one place. :meth:`DraftFields.to_dict` is JSON-ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ticketing.categories import Category

Span = tuple[int, int] | None

ADDRESS_PARTS: tuple[str, ...] = ("province", "city", "district", "street", "road", "community", "building")


def _span(span: Span) -> list[int] | None:
    return None if span is None else [span[0], span[1]]


def _conf(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 2)


@dataclass(frozen=True, slots=True)
class DraftingConfig:
    """Options of :func:`asr.drafting.extract_draft`.

    ``departments_file`` replaces the bundled keyword→department table (TOML, same layout as
    ``asr/drafting/data/departments.toml``). ``max_chars`` bounds the work on very long input.
    """

    departments_file: Path | None = None
    home_city: str | None = None  # the hotline's city (e.g. 北京市, 成都市): preferred for district names
    home_area_code: str | None = None  # its telephone area code (010): a local landline said without it
    max_keywords: int = 8
    max_summary_chars: int = 80
    max_chars: int = 4000


@dataclass(frozen=True, slots=True)
class CategoryField:
    """The R-CAT category with the cue words that decided it."""

    code: Category
    confidence: float
    cues: tuple[str, ...] = ()
    span: Span = None
    unsure: bool = False  # too close to call: the agent must choose

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code.value,
            "label": self.code.label_zh,
            "confidence": _conf(self.confidence),
            "unsure": self.unsure,
            "cues": list(self.cues),
            "span": _span(self.span),
        }


@dataclass(frozen=True, slots=True)
class PhoneField:
    """A callback number, normalised to ``+86…``; ``raw`` is the text it was read from."""

    number: str
    raw: str
    confidence: float
    span: Span = None
    kind: str = "mobile"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "number": self.number,
            "kind": self.kind,
            "raw": self.raw,
            "confidence": _conf(self.confidence),
            "span": _span(self.span),
        }


@dataclass(frozen=True, slots=True)
class AddressField:
    """Address components present in the transcript (digits in ``building`` are arabic)."""

    text: str
    confidence: float
    span: Span = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    road: str | None = None
    community: str | None = None
    building: str | None = None

    def components(self) -> dict[str, str]:
        """The components that are present, in administrative order."""
        out: dict[str, str] = {}
        for name in ADDRESS_PARTS:
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "text": self.text,
            "components": self.components(),
            "confidence": _conf(self.confidence),
            "span": _span(self.span),
        }


@dataclass(frozen=True, slots=True)
class TimeField:
    """A time expression: ``absolute`` (resolved ``start`` in Asia/Shanghai), ``recurring`` or ``duration``.

    ``granularity`` says how precise ``start`` is: hour, part_of_day, day, week or month.
    """

    text: str
    kind: str
    confidence: float
    span: Span = None
    start: datetime | None = None
    granularity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "text": self.text,
            "kind": self.kind,
            "start": None if self.start is None else self.start.isoformat(),
            "granularity": self.granularity,
            "confidence": _conf(self.confidence),
            "span": _span(self.span),
        }


@dataclass(frozen=True, slots=True)
class SummaryField:
    """One or two concise sentences with fillers removed."""

    text: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"text": self.text, "confidence": _conf(self.confidence)}


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword with its weight (term frequency, boosted for domain words, scaled to [0, 1])."""

    word: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"word": self.word, "weight": _conf(self.weight)}


@dataclass(frozen=True, slots=True)
class DepartmentField:
    """Suggested responsible unit (承办单位) from the keyword→department table."""

    code: str
    name: str
    confidence: float
    cues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "name": self.name,
            "confidence": _conf(self.confidence),
            "cues": list(self.cues),
        }


@dataclass(frozen=True, slots=True)
class EmergencyField:
    """A matter for 110/119/120/122 (R-SCOPE): the caller must be sent there, not given a ticket silently."""

    service: str  # 110 | 119 | 120 | 122
    confidence: float
    cues: tuple[str, ...] = ()
    span: Span = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "service": self.service,
            "confidence": _conf(self.confidence),
            "cues": list(self.cues),
            "span": _span(self.span),
        }


@dataclass(frozen=True, slots=True)
class DraftFields:
    """Everything read from one transcript; the agent corrects it before 登记 (R-REC)."""

    category: CategoryField
    phones: tuple[PhoneField, ...] = ()
    address: AddressField | None = None
    time: TimeField | None = None
    times: tuple[TimeField, ...] = ()
    summary: SummaryField = field(default_factory=lambda: SummaryField("", 0.0))
    keywords: tuple[Keyword, ...] = ()
    suggested_department: DepartmentField | None = None
    emergency: EmergencyField | None = None
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the whole draft."""
        return {
            "category": self.category.to_dict(),
            "phones": [p.to_dict() for p in self.phones],
            "address": None if self.address is None else self.address.to_dict(),
            "time": None if self.time is None else self.time.to_dict(),
            "times": [t.to_dict() for t in self.times],
            "summary": self.summary.to_dict(),
            "keywords": [k.to_dict() for k in self.keywords],
            "suggested_department": (
                None if self.suggested_department is None else self.suggested_department.to_dict()
            ),
            "emergency": None if self.emergency is None else self.emergency.to_dict(),
            "truncated": self.truncated,
        }
