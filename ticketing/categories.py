"""The seven 12345 categories (R-CAT) and their handling time limits in working days (R-TL)."""

from __future__ import annotations

from enum import StrEnum

from ticketing.errors import InvalidInput


class Category(StrEnum):
    """Category of a work order (R-CAT). Values are the stable API/database codes."""

    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        """Chinese label as shown to agents and in reports."""
        return _LABELS_ZH[self]

    @property
    def time_limit_workdays(self) -> int:
        """Handling time limit from dispatch, in working days (R-TL)."""
        return _TIME_LIMITS[self]

    @classmethod
    def parse(cls, value: str) -> Category:
        """Accept the code (``complaint``) or the Chinese label (``投诉``); raise :class:`InvalidInput`."""
        text = value.strip()
        for category in cls:
            if text in (category.value, category.label_zh):
                return category
        raise InvalidInput(
            f"unknown category {value!r}",
            field="category",
            allowed=[c.value for c in cls],
        )


_LABELS_ZH: dict[Category, str] = {
    Category.CONSULT: "咨询",
    Category.HELP: "求助",
    Category.COMPLAINT: "投诉",
    Category.REPORT: "举报",
    Category.SUGGESTION: "建议",
    Category.PRAISE: "表扬",
    Category.OTHER: "其他",
}

# R-TL: 咨询 3, 求助 5, 投诉 5, 举报 10, 建议 5, 表扬 3, 其他 3.
_TIME_LIMITS: dict[Category, int] = {
    Category.CONSULT: 3,
    Category.HELP: 5,
    Category.COMPLAINT: 5,
    Category.REPORT: 10,
    Category.SUGGESTION: 5,
    Category.PRAISE: 3,
    Category.OTHER: 3,
}


class Channel(StrEnum):
    """How the matter reached the hotline (R-CH)."""

    PHONE = "phone"
    WEB = "web"
    SMS = "sms"
    FAX = "fax"


class Urgency(StrEnum):
    """How urgent the matter is; ``urgent`` matters are candidates for on-site coordination (R-SUP)."""

    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"
