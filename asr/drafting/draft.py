"""``extract_draft``: every field of the draft from one transcript (docs/architecture.md §2 step 5)."""

from __future__ import annotations

from datetime import datetime

from asr.drafting.address import extract_address
from asr.drafting.category import classify
from asr.drafting.departments import load_table, suggest_department
from asr.drafting.emergency import detect_emergency
from asr.drafting.fields import DraftFields, DraftingConfig, EmergencyField
from asr.drafting.keywords import extract_keywords
from asr.drafting.phones import extract_phones
from asr.drafting.summary import summarise
from asr.drafting.text import normalise
from asr.drafting.times import extract_times, primary_time
from ticketing.categories import Category


def extract_draft(
    text: str,
    config: DraftingConfig | None = None,
    *,
    now: datetime | None = None,
    menu_skill: str | None = None,
) -> DraftFields:
    """Read a draft work order from a call transcript.

    ``now`` anchors relative times (昨天, 上周三); naive values are taken as Asia/Shanghai, ``None`` means
    the current time. ``menu_skill`` (the caller's menu branch, a ``Skill`` value) is a prior for the
    category. Input beyond ``config.max_chars`` is ignored (``truncated`` is then true), which
    bounds the time spent on very long input. Empty or garbage input gives an empty draft of category
    其他 with low confidence; it never raises. A malformed ``config.departments_file`` raises
    :class:`ValueError` (a configuration error, not an input error).
    """
    cfg = config or DraftingConfig()
    table = load_table(cfg.departments_file)
    raw = text if isinstance(text, str) else ""
    truncated = len(raw) > cfg.max_chars
    raw = raw[: cfg.max_chars]
    norm = normalise(raw)
    category = classify(norm, menu_skill=menu_skill)
    times = extract_times(norm, now)
    phones = tuple(extract_phones(norm, cfg.home_area_code))
    department = None
    if category.code is not Category.OTHER:  # out-of-scope or empty calls are not dispatched (R-SCOPE)
        department = suggest_department(norm.text, table)
    hit = detect_emergency(norm)
    emergency = None if hit is None else EmergencyField(hit.service.value, hit.confidence, hit.cues, hit.span)
    return DraftFields(
        category=category,
        phones=phones,
        address=extract_address(norm, cfg.home_city),
        time=primary_time(times),
        times=tuple(times),
        summary=summarise(
            raw, category.code, cfg.max_summary_chars, remove=[p.span for p in phones if p.span is not None]
        ),
        keywords=tuple(extract_keywords(norm.text, cfg.max_keywords)),
        suggested_department=department,
        emergency=emergency,
        truncated=truncated,
    )
