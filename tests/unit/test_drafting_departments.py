"""Suggested department from the keyword table; table override via DraftingConfig."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asr.drafting import DraftingConfig, extract_draft
from asr.drafting.departments import default_table, load_table, parse_table, suggest_department

SEED = Path(__file__).resolve().parents[2] / "ticketing" / "seed" / "departments.json"


def code(text: str) -> str | None:
    found = suggest_department(text, default_table())
    return None if found is None else found.code


def test_default_table_uses_only_demo_department_codes_and_names() -> None:
    seed = {d["code"]: d["name"] for d in json.loads(SEED.read_text(encoding="utf-8"))}
    for rule in default_table():
        assert seed.get(rule.code) == rule.name, rule.code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区物业不管事", "city.housing"),
        ("公积金怎么提取", "city.housing"),
        ("占道经营的小摊", "city.urban"),
        ("工地晚上施工噪音", "city.urban"),
        ("化工厂偷偷排污", "city.ecology"),
        ("超市卖过期食品", "city.market"),
        ("老板拖欠工资", "city.hrss"),
        ("医保怎么报销", "city.hrss"),
        ("出租车拒载", "city.transport"),
        ("医院挂号太难", "city.health"),
        ("孩子入学报名", "city.education"),
    ],
)
def test_keywords(text: str, expected: str) -> None:
    assert code(text) == expected


def test_place_is_a_fallback_most_specific_first() -> None:
    found = suggest_department("老人走失了西城区金桥街道阳光小区", default_table())
    assert found is not None
    assert found.code == "street.west.jinqiao"
    assert found.confidence < 0.5
    assert code("东城区这边有个事") == "district.east"
    assert code("随便说说") is None


def test_confidence_and_cues() -> None:
    found = suggest_department("老板拖欠工资，社保也没交", default_table())
    assert found is not None
    assert found.name == "市人力资源和社会保障局"
    assert {"拖欠工资", "社保"} <= set(found.cues)
    assert 0.5 < found.confidence <= 0.95


def test_config_file_overrides_the_table(tmp_path: Path) -> None:
    table = tmp_path / "departments.toml"
    table.write_text(
        '[[department]]\ncode = "city.water"\nname = "市水务集团"\nkeywords = { "没水" = 3, "水管" = 2 }\n',
        encoding="utf-8",
    )
    text = "我们楼从昨天开始没水了，水管爆了，物业不管"
    default = extract_draft(text)
    custom = extract_draft(text, DraftingConfig(departments_file=table))
    assert default.suggested_department is not None
    assert default.suggested_department.code == "city.housing"
    assert custom.suggested_department is not None
    assert (custom.suggested_department.code, custom.suggested_department.name) == (
        "city.water",
        "市水务集团",
    )


def test_changed_file_is_reread(tmp_path: Path) -> None:
    table = tmp_path / "t.toml"
    table.write_text('[[department]]\ncode = "a"\nname = "A"\nkeywords = { "噪音" = 1 }\n', encoding="utf-8")
    assert load_table(table)[0].code == "a"
    table.write_text('[[department]]\ncode = "bb"\nname = "B"\nkeywords = { "噪音" = 1 }\n', encoding="utf-8")
    assert load_table(table)[0].code == "bb"


@pytest.mark.parametrize(
    "text",
    [
        "not toml [[[",
        "title = 'no departments'",
        '[[department]]\ncode = ""\nname = "x"',
        '[[department]]\ncode = "a"\nname = "A"\nkeywords = { "x" = -1 }',
        '[[department]]\ncode = "a"\nname = "A"\nplaces = "东城区"',
        '[[department]]\ncode = "a"\nname = "A"\nlevel = "planet"',
    ],
)
def test_malformed_table_is_refused_with_its_source(text: str) -> None:
    with pytest.raises(ValueError, match=r"my\.toml"):
        parse_table(text, "my.toml")
