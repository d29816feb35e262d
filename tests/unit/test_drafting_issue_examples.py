"""The calls a new user tried that came out wrong (a help request and a repair without a cue word, a fire,
addresses read past their words) now come out right."""

from __future__ import annotations

from asr.drafting import DraftingConfig, extract_draft
from asr.drafting.classifier import bundled_model

BEIJING = DraftingConfig(home_city="北京市", home_area_code="010")


def test_the_category_model_is_built_and_shipped() -> None:
    model = bundled_model()
    assert model is not None, "asr/drafting/data/category_model.npz is missing: hotline asr train-category"
    assert model.emergency_coef is not None


def test_help_and_repair_requests_without_a_cue_word_are_help_not_other() -> None:
    for text in ("家里老人摔倒了需要帮忙联系社区医生…", "我们楼下的路灯坏了一个多月了晚上特别黑…"):
        draft = extract_draft(text, BEIJING)
        assert draft.category.code.value == "help", text
        assert not draft.category.unsure
        assert draft.emergency is None
        assert draft.address is None


def test_a_fire_is_a_119_emergency() -> None:
    draft = extract_draft("救命啊我家着火了", BEIJING)
    assert draft.emergency is not None
    assert draft.emergency.service == "119"
    assert "着火" in draft.emergency.cues


def test_addresses_stop_at_real_places_and_go_down_to_the_building() -> None:
    complaint = extract_draft("我要投诉朝阳区建国路八十八号…", BEIJING).address
    assert complaint is not None
    assert complaint.components() == {"district": "朝阳区", "road": "建国路", "building": "88号"}
    assert extract_draft("快递公司把我的包裹弄丢了", BEIJING).address is None
    street = extract_draft("东城区和平里街道七区十二号楼", BEIJING).address
    assert street is not None
    assert street.components() == {"district": "东城区", "street": "和平里街道", "building": "7区12号楼"}


def test_the_hotlines_city_decides_and_short_city_names_are_read() -> None:
    chengdu = DraftingConfig(home_city="成都市", home_area_code="028")
    address = extract_draft("我住成都武侯区玉林北路，电话八五一二三四五六", chengdu)
    assert address.address is not None
    assert address.address.components() == {"city": "成都市", "district": "武侯区", "road": "玉林北路"}
    assert [p.number for p in address.phones] == ["+862885123456"]
