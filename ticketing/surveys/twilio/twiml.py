"""The 回访 survey as TwiML. Pure: no I/O.

Twilio fetches the survey when the citizen answers, then posts each ``<Gather>``'s key to its ``action``
URL. The whole state of the conversation travels in that URL's query (:class:`Step`), so the server keeps
nothing between two requests and a retried request gets the same answer. :func:`step` is the machine:
the state and the key in, the answer to record, the next state and the TwiML out.

Every matter gets both questions: Q1 问题是否解决 (1 已解决 / 2 未解决), Q2 满意度 (1 满意 / 2 基本满意 /
3 不满意). A missing or wrong key repeats the question once; the second miss ends the call politely.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse  # type: ignore[import-untyped]

from ticketing.surveys.verdict import SATISFACTION_KEYS, SOLVED_KEYS
from ticketing.tickets.lifecycle import Satisfaction

if TYPE_CHECKING:
    from ticketing.surveys.service import SurveyCall, SurveyMatter

Question = Literal["solved", "satisfaction"]
LANGUAGE = "zh-CN"
ANSWER_TIMEOUT_S = 8  # seconds Twilio waits for the key after the prompt
MAX_TRIES = 2  # a question is asked at most this many times
TITLE_MAX = 40  # characters of the title read out

GREETING = "您好，这里是12345政务服务便民热线，现对您反映事项的办理情况进行回访。"
MATTERS = "您共有{n}件事项需要回访。"
NEXT_MATTER = "下面回访第{k}件事项。"
MATTER = "您于{month}月{day}日反映的{category}事项：{title}，已办理完毕。"
ASK_SOLVED = "请问您反映的问题是否已解决？已解决请按1，未解决请按2。"
ASK_SATISFACTION = "请问您对办理结果是否满意？满意请按1，基本满意请按2，不满意请按3。"
SORRY_EMPTY = "抱歉，没有收到您的按键。"
SORRY_INVALID = "抱歉，您的按键无效。"
GIVE_UP = "抱歉，未能收到您的有效按键。我们将另行与您联系。感谢您的接听，再见。"
THANKS = "您的评价已记录，感谢您对12345热线工作的支持，再见。"
NOTHING = "抱歉，本次回访已结束。感谢您的接听，再见。"

_CHINESE_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Step:
    """Where the survey is: the matter (``position`` in the call's matters), the question being asked
    and how many times it was answered wrongly or not at all (``tries``)."""

    position: int
    question: Question
    tries: int = 0

    def query(self) -> dict[str, str]:
        """The step as action URL query parameters."""
        return {"p": str(self.position), "q": self.question, "t": str(self.tries)}

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Step | None:
        """The step of an action URL's query; ``None`` when it carries none (the first fetch).
        ``ValueError`` for a query that is no step."""
        if not any(k in query for k in ("p", "q", "t")):
            return None
        try:
            position, tries = int(query["p"]), int(query["t"])
        except (KeyError, ValueError):
            raise ValueError(f"not a survey step: {dict(query)}") from None
        question = query.get("q")
        if question not in ("solved", "satisfaction") or position < 0 or not 0 <= tries < MAX_TRIES:
            raise ValueError(f"not a survey step: {dict(query)}")
        return cls(position, "solved" if question == "solved" else "satisfaction", tries)


@dataclass(frozen=True)
class Answer:
    """One key's answer about one ticket, to record (exactly one of the two is set)."""

    ticket_id: uuid.UUID
    solved: bool | None = None
    satisfaction: Satisfaction | None = None


def step(
    call: SurveyCall, state: Step | None, digits: str | None, *, action_base: str = ""
) -> tuple[Answer | None, Step | None, str]:
    """One turn of the survey. ``state`` ``None`` is the first fetch (``digits`` ignored); otherwise
    ``digits`` is what the citizen pressed for ``state``'s question (empty or ``None``: nothing).

    Returns the answer to record (or ``None``), the next step (``None``: the TwiML hangs up) and the
    TwiML. ``action_base`` prefixes the Gather action URL (``https://host``; empty: a path-only URL).
    ``ValueError`` for a step outside the call's matters.
    """
    matters = call.matters
    if state is None:
        if not matters:
            return None, None, _goodbye(NOTHING)
        intro = [GREETING]
        if len(matters) > 1:
            intro.append(MATTERS.format(n=len(matters)))
        intro.append(_matter(matters[0]))
        first = Step(0, "solved")
        return None, first, _ask(call, first, intro, action_base)
    if state.position >= len(matters):
        raise ValueError(f"step {state} is outside the call's {len(matters)} matters")
    ticket_id = matters[state.position].ticket_id
    key = (digits or "").strip()
    answer: Answer | None = None
    if state.question == "solved" and key in SOLVED_KEYS:
        answer = Answer(ticket_id, solved=SOLVED_KEYS[key])
    elif state.question == "satisfaction" and key in SATISFACTION_KEYS:
        answer = Answer(ticket_id, satisfaction=SATISFACTION_KEYS[key])
    if answer is None:
        if state.tries + 1 >= MAX_TRIES:
            return None, None, _goodbye(GIVE_UP)
        again = Step(state.position, state.question, state.tries + 1)
        return None, again, _ask(call, again, [SORRY_INVALID if key else SORRY_EMPTY], action_base)
    if state.question == "solved":
        following = Step(state.position, "satisfaction")
        return answer, following, _ask(call, following, [], action_base)
    if state.position + 1 < len(matters):
        following = Step(state.position + 1, "solved")
        intro = [NEXT_MATTER.format(k=_ordinal(state.position + 2)), _matter(matters[state.position + 1])]
        return answer, following, _ask(call, following, intro, action_base)
    return answer, None, _goodbye(THANKS)


def closing(text: str = NOTHING) -> str:
    """TwiML that says ``text`` and hangs up (for a call whose survey is over or unknown)."""
    return _goodbye(text)


def action_url(call: SurveyCall, state: Step, action_base: str = "") -> str:
    """Where the Gather for ``state`` posts its key."""
    return f"{action_base}/twilio/survey/{call.attempt_id}?{urlencode(state.query())}"


# -- helpers -----------------------------------------------------------------------------------------


def _ask(call: SurveyCall, state: Step, before: list[str], action_base: str) -> str:
    response = VoiceResponse()
    gather = Gather(
        input="dtmf",
        num_digits=1,
        timeout=ANSWER_TIMEOUT_S,
        action=action_url(call, state, action_base),
        method="POST",
        action_on_empty_result=True,  # without it a silent citizen falls through to the verbs after
    )
    for text in [*before, ASK_SOLVED if state.question == "solved" else ASK_SATISFACTION]:
        gather.say(text, language=LANGUAGE)
    response.append(gather)
    xml: str = response.to_xml()
    return xml


def _goodbye(text: str) -> str:
    response = VoiceResponse()
    response.say(text, language=LANGUAGE)
    response.hangup()
    xml: str = response.to_xml()
    return xml


def _matter(matter: SurveyMatter) -> str:
    title = matter.title.strip()
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX] + "等"
    return MATTER.format(
        month=matter.reported_on.month,
        day=matter.reported_on.day,
        category=matter.category.label_zh,
        title=title,
    )


def _ordinal(k: int) -> str:
    return _CHINESE_ORDINALS[k - 1] if 1 <= k <= len(_CHINESE_ORDINALS) else str(k)
