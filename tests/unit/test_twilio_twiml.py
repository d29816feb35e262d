"""The Twilio survey's TwiML state machine (pure): what is said, what the Gather asks for, every key."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest

from ticketing.categories import Category
from ticketing.surveys.service import SurveyCall, SurveyMatter
from ticketing.surveys.twilio.twiml import (
    ANSWER_TIMEOUT_S,
    ASK_SATISFACTION,
    ASK_SOLVED,
    GIVE_UP,
    THANKS,
    Answer,
    Step,
    closing,
    step,
)
from ticketing.tickets.lifecycle import Satisfaction

BASE = "https://hotline.example.test"
NOISE = SurveyMatter(uuid.uuid4(), "20261130-000001", Category.COMPLAINT, "夜间施工噪音", date(2026, 11, 30))
LAMP = SurveyMatter(uuid.uuid4(), "20261201-000007", Category.HELP, "路灯不亮 <3栋> & 4栋", date(2026, 12, 1))


def one() -> SurveyCall:
    return SurveyCall(uuid.uuid4(), uuid.uuid4(), "+8613800138000", (NOISE,))


def two() -> SurveyCall:
    return SurveyCall(uuid.uuid4(), uuid.uuid4(), "+8613800138000", (NOISE, LAMP))


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def says(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


def gather(root: ET.Element) -> ET.Element:
    (found,) = root.findall("Gather")
    return found


def step_of(call: SurveyCall, root: ET.Element) -> Step:
    """The step the Gather posts back, read from its action URL as the webhook reads it."""
    action = urlsplit(gather(root).attrib["action"])
    assert f"{action.scheme}://{action.netloc}" == BASE
    assert action.path == f"/twilio/survey/{call.attempt_id}"
    parsed = Step.from_query(dict(parse_qsl(action.query)))
    assert parsed is not None
    return parsed


def test_the_first_fetch_greets_names_the_matter_and_asks_q1() -> None:
    call = one()
    answer, state, xml = step(call, None, None, action_base=BASE)
    root = parse(xml)
    assert answer is None
    assert state == Step(0, "solved", 0)
    g = gather(root)
    assert g.attrib == {
        "input": "dtmf",
        "numDigits": "1",
        "timeout": str(ANSWER_TIMEOUT_S),
        "action": g.attrib["action"],
        "method": "POST",
        "actionOnEmptyResult": "true",
    }
    assert step_of(call, root) == state
    spoken = says(root)
    assert all(say.attrib == {"language": "zh-CN"} for say in root.iter("Say"))
    assert "12345" in spoken[0]
    assert any("11月30日" in s and "投诉" in s and "夜间施工噪音" in s for s in spoken)
    assert spoken[-1] == ASK_SOLVED
    for part in ("1", "已解决", "2", "未解决"):
        assert part in ASK_SOLVED
    assert root.find("Hangup") is None
    assert [child.tag for child in root] == ["Gather"]  # every prompt inside: keys may interrupt it


@pytest.mark.parametrize(("key", "solved"), [("1", True), ("2", False)])
def test_q1_keys_record_solved_and_ask_q2(key: str, solved: bool) -> None:
    call = one()
    answer, state, xml = step(call, Step(0, "solved"), key, action_base=BASE)
    assert answer == Answer(NOISE.ticket_id, solved=solved)
    assert state == Step(0, "satisfaction", 0)
    root = parse(xml)
    assert says(root) == [ASK_SATISFACTION]
    assert step_of(call, root) == state
    for label in ("1", "满意", "2", "基本满意", "3", "不满意"):
        assert label in ASK_SATISFACTION


@pytest.mark.parametrize(
    ("key", "satisfaction"),
    [("1", Satisfaction.SATISFIED), ("2", Satisfaction.BASICALLY_SATISFIED), ("3", Satisfaction.UNSATISFIED)],
)
def test_q2_keys_of_the_last_matter_record_and_thank(key: str, satisfaction: Satisfaction) -> None:
    answer, state, xml = step(one(), Step(0, "satisfaction"), key, action_base=BASE)
    assert answer == Answer(NOISE.ticket_id, satisfaction=satisfaction)
    assert state is None
    root = parse(xml)
    assert says(root) == [THANKS]
    assert [child.tag for child in root] == ["Say", "Hangup"]


@pytest.mark.parametrize(
    ("question", "key", "sorry"),
    [
        ("solved", None, "没有收到"),
        ("solved", "", "没有收到"),
        ("solved", "3", "无效"),
        ("solved", "#", "无效"),
        ("solved", "12", "无效"),
        ("satisfaction", "", "没有收到"),
        ("satisfaction", "4", "无效"),
        ("satisfaction", "0", "无效"),
    ],
)
def test_a_missing_or_wrong_key_apologises_and_asks_again_once(
    question: str, key: str | None, sorry: str
) -> None:
    call = one()
    asked = Step(0, "solved") if question == "solved" else Step(0, "satisfaction")
    answer, state, xml = step(call, asked, key, action_base=BASE)
    assert answer is None
    assert state == Step(0, asked.question, 1)
    root = parse(xml)
    spoken = says(root)
    assert spoken[0].startswith("抱歉")
    assert sorry in spoken[0]
    assert spoken[-1] == (ASK_SOLVED if question == "solved" else ASK_SATISFACTION)
    assert step_of(call, root) == state

    answer, state, xml = step(call, Step(0, asked.question, 1), key, action_base=BASE)
    assert (answer, state) == (None, None)
    root = parse(xml)
    assert says(root) == [GIVE_UP]
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_a_good_key_on_the_second_try_goes_on() -> None:
    answer, state, _ = step(one(), Step(0, "solved", 1), "1", action_base=BASE)
    assert answer == Answer(NOISE.ticket_id, solved=True)
    assert state == Step(0, "satisfaction", 0)  # tries count per question


def test_several_matters_each_get_both_questions() -> None:
    call = two()
    _, state, xml = step(call, None, None, action_base=BASE)
    spoken = says(parse(xml))
    assert any("2件" in s for s in spoken)
    assert not any("路灯" in s for s in spoken)  # the second matter comes after the first's answers
    assert state == Step(0, "solved")
    answers = []
    for key in ("1", "2"):
        assert state is not None
        answer, state, xml = step(call, state, key, action_base=BASE)
        answers.append(answer)
    assert state == Step(1, "solved", 0)
    root = parse(xml)
    spoken = says(root)
    assert any("第二件" in s for s in spoken)
    assert any("12月1日" in s and "求助" in s and "路灯不亮 <3栋> & 4栋" in s for s in spoken)
    assert spoken[-1] == ASK_SOLVED
    assert step_of(call, root) == state
    for key in ("2", "3"):
        assert state is not None
        answer, state, xml = step(call, state, key, action_base=BASE)
        answers.append(answer)
    assert state is None
    assert says(parse(xml)) == [THANKS]
    assert answers == [
        Answer(NOISE.ticket_id, solved=True),
        Answer(NOISE.ticket_id, satisfaction=Satisfaction.BASICALLY_SATISFIED),
        Answer(LAMP.ticket_id, solved=False),
        Answer(LAMP.ticket_id, satisfaction=Satisfaction.UNSATISFIED),
    ]


def test_the_same_request_gives_the_same_turn() -> None:
    call = one()
    assert step(call, Step(0, "solved"), "2", action_base=BASE) == step(
        call, Step(0, "solved"), "2", action_base=BASE
    )


def test_a_long_title_is_cut_and_a_call_without_matters_just_ends() -> None:
    long = SurveyMatter(uuid.uuid4(), "20261130-000002", Category.OTHER, "很" * 120, date(2026, 11, 30))
    _, _, xml = step(SurveyCall(uuid.uuid4(), uuid.uuid4(), "+86", (long,)), None, None)
    assert max(len(s) for s in says(parse(xml))) < 80
    answer, state, xml = step(SurveyCall(uuid.uuid4(), uuid.uuid4(), "+86", ()), None, None)
    assert (answer, state) == (None, None)
    assert parse(xml).find("Hangup") is not None
    assert parse(closing()).find("Hangup") is not None


def test_without_a_base_the_action_is_a_path() -> None:
    call = one()
    _, _, xml = step(call, None, None)
    assert gather(parse(xml)).attrib["action"] == f"/twilio/survey/{call.attempt_id}?p=0&q=solved&t=0"


@pytest.mark.parametrize(
    "query",
    [{"p": "x", "q": "solved", "t": "0"}, {"p": "0", "q": "mood", "t": "0"},
     {"p": "0", "q": "solved", "t": "2"}, {"p": "-1", "q": "solved", "t": "0"}, {"p": "0"}],
)  # fmt: skip
def test_a_query_that_is_no_step_is_refused(query: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="not a survey step"):
        Step.from_query(query)
    assert Step.from_query({}) is None
    assert Step.from_query({"other": "1"}) is None


def test_a_step_outside_the_matters_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the call's 1 matters"):
        step(one(), Step(1, "solved"), "1")
