"""Draft extraction from a call transcript: category, phones, address, time, summary, keywords, department.

Entry point: :func:`extract_draft`. Pure functions over Chinese text; the only I/O is loading the bundled
data files (stopwords, department table) or a department table named in :class:`DraftingConfig`.
"""

from __future__ import annotations

from asr.drafting.draft import extract_draft
from asr.drafting.fields import (
    AddressField,
    CategoryField,
    DepartmentField,
    DraftFields,
    DraftingConfig,
    EmergencyField,
    Keyword,
    PhoneField,
    SummaryField,
    TimeField,
)

__all__ = [
    "AddressField",
    "CategoryField",
    "DepartmentField",
    "DraftFields",
    "DraftingConfig",
    "EmergencyField",
    "Keyword",
    "PhoneField",
    "SummaryField",
    "TimeField",
    "extract_draft",
]
