"""Emergencies in the draft (R-SCOPE: 110/119/120/122 matters are never ordinary tickets): the danger now
is caught for its service; the same words about the past, a question or a dispute are not an alarm."""

from __future__ import annotations

import pytest

from asr.drafting import extract_draft


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("救命啊我家着火了", "119"),
        ("喂 快来人 厨房 烧起来了 火很大", "119"),
        ("刚才 楼道里 一股 煤气味 很大 我们不敢开灯", "119"),
        ("我爸突然晕倒了叫不醒，你们快派人", "120"),
        ("我老婆羊水破了 要生了 怎么办", "120"),
        ("喂 快来人 我老公在打我", "110"),
        ("楼下有人拿着刀在砍人", "110"),
        ("有个人站在楼顶说要跳楼", "110"),
        ("路口两辆车撞了 有人受伤了", "122"),
        ("我在三环上 前面出了交通事故 好几辆车追尾", "122"),
        ("刚才又着火了，上个月也着过一次", "119"),  # now wins over the past
    ],
)
def test_a_danger_now_is_an_emergency_for_its_service(text: str, service: str) -> None:
    emergency = extract_draft(text).emergency
    assert emergency is not None, text
    assert emergency.service == service
    assert emergency.cues
    assert emergency.to_dict()["service"] == service


@pytest.mark.parametrize(
    "text",
    [
        "上个月我们小区着火的事情后续怎么处理",
        "消防通道被电动车堵了，着火了人都跑不出去",
        "燃气费怎么交",
        "家里老人昨天摔倒了，想请社区医生上门看看",
        "我们楼下的路灯坏了一个多月了晚上特别黑",
        "昨天晚上酒吧门口有人打架 吵得睡不着",
        "去年的车祸赔偿一直没谈好",
        "工厂烟囱一直冒黑烟 污染很严重",
        "想问一下社区有没有急救培训，心脏病发作怎么处理",
        "饭店油烟太大了",
        "我没有受伤，就是想问问交通事故认定书去哪里拿",
    ],
)
def test_the_same_words_about_the_past_a_question_or_a_dispute_are_no_alarm(text: str) -> None:
    assert extract_draft(text).emergency is None, text


def test_an_ordinary_call_has_no_emergency_field_in_its_json() -> None:
    assert extract_draft("请问社保卡丢了怎么补办").to_dict()["emergency"] is None
