"""Address components from transcripts."""

from __future__ import annotations

from asr.drafting.address import extract_address
from asr.drafting.text import normalise


def parts(text: str) -> dict[str, str] | None:
    address = extract_address(normalise(text))
    return None if address is None else address.components()


def test_full_address() -> None:
    assert parts("地址是杭州市西湖区文三路幸福小区3栋。") == {
        "city": "杭州市",
        "district": "西湖区",
        "road": "文三路",
        "community": "幸福小区",
        "building": "3栋",
    }


def test_province_and_unit_detail_with_chinese_numerals() -> None:
    assert parts("浙江省杭州市西湖区文三路幸福小区三栋二单元五零一室") == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "road": "文三路",
        "community": "幸福小区",
        "building": "3栋2单元501室",
    }


def test_street_office_town_and_village() -> None:
    assert parts("在那个杭州市萧山区瓜沥镇东恩村") == {
        "city": "杭州市",
        "district": "萧山区",
        "street": "瓜沥镇",
        "community": "东恩村",
    }


def test_road_with_house_number() -> None:
    assert parts("我住东城区新华街道建设路十八号") == {
        "district": "东城区",
        "street": "新华街道",
        "road": "建设路",
        "building": "18号",
    }


def test_correction_keeps_the_later_component() -> None:
    assert parts("就是 新华街道 不对 是和平街道幸福里小区五号楼") == {
        "street": "和平街道",
        "community": "幸福里小区",
        "building": "5号楼",
    }


def test_words_before_the_place_are_not_part_of_it() -> None:
    assert parts("吵得要死 东城区和平街道") == {"district": "东城区", "street": "和平街道"}
    assert parts("都不够用 杭州市西湖区") == {"city": "杭州市", "district": "西湖区"}


def test_no_address() -> None:
    for text in (
        "我们小区门口的路灯坏了",
        "超市买的牛奶过期了",
        "我们住十八楼",
        "出租车司机绕路",
        "打电话反映路灯不亮",
        "这个城市的菜市场",
        "",
    ):
        assert parts(text) is None, text


def test_span_and_confidence() -> None:
    text = "嗯 我们住在 西城区金桥街道阳光小区 谢谢"
    address = extract_address(normalise(text))
    assert address is not None
    assert address.span is not None
    assert text[address.span[0] : address.span[1]] == "西城区金桥街道阳光小区"
    assert address.text == "西城区金桥街道阳光小区"
    single = extract_address(normalise("在西城区"))
    assert single is not None
    assert single.confidence < address.confidence
