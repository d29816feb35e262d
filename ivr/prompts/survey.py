"""The 回访 survey's prompts (``ivr.flows.survey``): the fixed sentences, and the pieces that name a
matter — "关于您在" + "12月" + "3日反映的" + "投诉事项" — so that the call says which matter it asks
about without a speech synthesiser at call time."""

from __future__ import annotations

from ivr.prompts.prompt import Prompt
from ticketing.categories import Category

_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    """1–31 in Chinese numerals, as a date is read (3 → 三, 12 → 十二, 21 → 二十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


_FIXED = (
    Prompt(
        "survey_greeting",
        "您好，这里是12345政务服务便民热线，现在对您反映的事项进行电话回访，占用您一分钟时间。",
        "Survey greeting: the 12345 hotline calls back about your matter (one minute).",
        "您好，这里是幺二三四五政务服务便民热线，现在对您反映的事项进行电话回访，占用您一分钟时间。",
    ),
    Prompt("survey_matter_on", "关于您在", "'About the matter you reported on' (a date follows)."),
    Prompt("survey_next_matter", "下面是您反映的另一件事项。", "Next: another matter of yours."),
    Prompt(
        "survey_q_solved",
        "请问您反映的问题是否已经解决？已解决请按1，未解决请按2。",
        "Q1: is the problem solved? 1 yes, 2 no.",
        "请问您反映的问题是否已经解决？已解决请按一，未解决请按二。",
    ),
    Prompt(
        "survey_q_satisfaction",
        "请您对本次办理情况进行评价：满意请按1，基本满意请按2，不满意请按3。",
        "Q2: rate the handling: 1 satisfied, 2 basically satisfied, 3 unsatisfied.",
        "请您对本次办理情况进行评价：满意请按一，基本满意请按二，不满意请按三。",
    ),
    Prompt(
        "survey_comment",
        "如有其他意见或建议，请在提示音后讲述，按井号键结束；没有请按井号键。",
        "Any other comment: speak after the tone, # to end; none: press #.",
    ),
    Prompt(
        "survey_thanks",
        "感谢您对12345热线工作的支持，再见。",
        "Thank you for supporting the 12345 hotline, goodbye.",
        "感谢您对幺二三四五热线工作的支持，再见。",
    ),
    Prompt(
        "survey_goodbye",
        "抱歉，未能收到您的有效按键，稍后将由工作人员与您联系。再见。",
        "Sorry, no valid key received; a member of staff will contact you. Goodbye.",
    ),
)

_MONTHS = tuple(Prompt(f"month_{m}", f"{m}月", f"month {m}", f"{_zh_number(m)}月") for m in range(1, 13))
_DAYS = tuple(
    Prompt(f"day_{d}", f"{d}日反映的", f"day {d}, 'reported'", f"{_zh_number(d)}日反映的")
    for d in range(1, 32)
)
_MATTERS = tuple(
    Prompt(f"survey_matter_{c.value}", f"{c.label_zh}事项。", f"the {c.value} matter") for c in Category
)

SURVEY_PROMPTS: tuple[Prompt, ...] = (*_FIXED, *_MONTHS, *_DAYS, *_MATTERS)
"""Every prompt the survey can play (besides the shared ``invalid`` and ``timeout`` notices)."""
