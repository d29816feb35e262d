"""extract_draft as a whole: JSON-ready output, empty and garbage input, bounded work on long input."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from asr.drafting import DraftFields, DraftingConfig, extract_draft
from ticketing.categories import Category

NOW = datetime(2026, 3, 18, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CALL = (
    "喂 你好 我要投诉啊 我们小区旁边那个工地 每天晚上十一点以后还在施工 那个噪音吵得我们根本睡不着 "
    "地址是杭州市西湖区文三路幸福小区 我电话幺三八零零幺三八零零零"
)


def _confidences(draft: DraftFields) -> list[float]:
    values = [draft.category.confidence, draft.summary.confidence]
    values += [p.confidence for p in draft.phones] + [t.confidence for t in draft.times]
    if draft.address:
        values.append(draft.address.confidence)
    if draft.suggested_department:
        values.append(draft.suggested_department.confidence)
    return values


def test_full_draft() -> None:
    draft = extract_draft(CALL, now=NOW)
    assert draft.category.code is Category.COMPLAINT
    assert [p.number for p in draft.phones] == ["+8613800138000"]
    assert draft.address is not None
    assert draft.address.community == "幸福小区"
    assert draft.time is not None
    assert draft.time.kind == "recurring"
    assert draft.suggested_department is not None
    assert draft.suggested_department.code == "city.urban"
    assert "噪音" in [k.word for k in draft.keywords]
    assert all(0.0 <= c <= 1.0 for c in _confidences(draft))


def test_to_dict_is_json_ready() -> None:
    data = extract_draft(CALL, now=NOW).to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert data["category"]["code"] == "complaint"
    assert data["category"]["label"] == "投诉"
    assert data["phones"][0]["number"] == "+8613800138000"
    assert data["address"]["components"]["district"] == "西湖区"
    assert data["suggested_department"]["code"] == "city.urban"
    start, end = data["phones"][0]["span"]
    assert CALL[start:end] == "幺三八零零幺三八零零零"


@pytest.mark.parametrize(
    "text", ["", "   ", "？？？！！！", "asdf qwer 1234", "😀😀😀", "\x00\x01\n\t", "嗯嗯嗯嗯"]
)
def test_empty_or_garbage_gives_an_empty_low_confidence_draft(text: str) -> None:
    draft = extract_draft(text, now=NOW)
    assert draft.category.code is Category.OTHER
    assert draft.category.confidence <= 0.3
    assert draft.phones == ()
    assert draft.address is None
    assert draft.time is None
    assert draft.suggested_department is None
    assert draft.summary.confidence <= 0.3
    json.dumps(draft.to_dict())


def test_random_input_never_raises() -> None:
    alphabet = (
        "幺两洞零一二三四五六七八九十百0123456789"
        "省市区县街道路镇村小区栋号楼单元室每天晚上点半昨上周不对是，。 ？投诉举报"
    )
    rng = random.Random(12345)
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        draft = extract_draft(text, now=NOW)
        assert all(0.0 <= c <= 1.0 for c in _confidences(draft))
        json.dumps(draft.to_dict())


def test_very_long_input_is_bounded_in_time() -> None:
    text = CALL * 2000  # about 200 000 characters
    started = time.perf_counter()
    draft = extract_draft(text, now=NOW)
    assert time.perf_counter() - started < 2.0
    assert draft.truncated
    assert draft.category.code is Category.COMPLAINT
    short = extract_draft(CALL, DraftingConfig(max_chars=10), now=NOW)
    assert short.truncated
    assert short.phones == ()


def test_default_now_is_today_in_shanghai() -> None:
    draft = extract_draft("昨天晚上八点")
    assert draft.time is not None
    assert draft.time.start is not None
    assert draft.time.start.utcoffset() is not None
    assert draft.time.start.utcoffset().total_seconds() == 8 * 3600
