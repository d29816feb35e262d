"""R-CAT category (the model joined with the cue words): 举报 vs 投诉, questions, help, suggestions, praise,
negation and correction."""

from __future__ import annotations

import pytest

from asr.drafting.category import classify, classify_by_cues
from asr.drafting.text import normalise
from ticketing.categories import Category


def category(text: str) -> Category:
    return classify(normalise(text)).code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有人往河里非法倾倒建筑垃圾，这是违法的", Category.REPORT),
        ("我要举报一个干部收受贿赂", Category.REPORT),
        ("工厂晚上偷偷违规排污", Category.REPORT),
        ("窗口工作人员态度差，还不作为", Category.COMPLAINT),
        ("楼下饭店天天晚上扰民，吵得睡不着", Category.COMPLAINT),
        ("公司拖欠我工资半年了", Category.COMPLAINT),
    ],
)
def test_report_versus_complaint(text: str, expected: Category) -> None:
    assert category(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请问公积金怎么办理提取，需要什么材料", Category.CONSULT),
        ("我想问一下社保卡在哪里补办", Category.CONSULT),
        ("帮帮我，我被困在电梯里了", Category.HELP),
        ("我们楼没水没电两天了", Category.HELP),
        ("我家老人走失了", Category.HELP),
        ("我建议在路口增设红绿灯", Category.SUGGESTION),
        ("希望能多开几班公交", Category.SUGGESTION),
        ("是否可以增设一个公交站", Category.SUGGESTION),
        ("我想表扬一下王医生，很负责", Category.PRAISE),
        ("特别感谢你们帮我要回了工资", Category.PRAISE),
        ("喂 喂 听不清", Category.OTHER),
        ("我要起诉我的房东，法院什么时候开庭", Category.OTHER),
    ],
)
def test_each_category(text: str, expected: Category) -> None:
    assert category(text) is expected


def test_negated_complaint_is_not_a_complaint() -> None:
    assert category("我不是要投诉啊，就是想问一下营业执照怎么办理") is Category.CONSULT
    assert category("其实也不是投诉，就是提个意见") is Category.SUGGESTION


def test_correction_takes_back_the_first_cue() -> None:
    assert category("我投诉啊 不是 应该说是举报 有个机构违规补课") is Category.REPORT


def test_earlier_complaint_mentioned_in_praise() -> None:
    assert category("处理我的投诉处理得特别认真，真是好样的") is Category.PRAISE


def test_attitude_can_be_good_or_bad() -> None:
    assert category("医生护士服务态度也好，我想表扬") is Category.PRAISE
    assert category("那个医生态度很恶劣") is Category.COMPLAINT


def test_cues_and_span_are_reported() -> None:
    text = "我要举报，有人收受贿赂"
    result = classify(normalise(text))
    assert result.code is Category.REPORT
    assert "举报" in result.cues
    assert "收受贿赂" in result.cues
    assert result.span is not None
    assert text[result.span[0] : result.span[1]] in result.cues
    assert 0.5 < result.confidence <= 1.0


def test_no_cue_is_other_with_low_confidence() -> None:
    result = classify(normalise("嗯……那个……"))
    assert result.code is Category.OTHER
    assert result.confidence <= 0.3


def test_plain_question_is_a_consultation() -> None:
    assert category("新生儿落户要带出生证明吗") is Category.CONSULT


def test_without_a_model_a_plain_question_defaults_to_consult_with_low_confidence() -> None:
    result = classify_by_cues(normalise("新生儿落户要带出生证明吗"))
    assert result.code is Category.CONSULT
    assert result.confidence < 0.5
