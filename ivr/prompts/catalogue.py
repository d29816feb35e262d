"""The Mandarin prompt catalogue: prompt id → what the caller hears (data, no audio).

R-TALK: warm and short. ``text`` is the wording (as a studio speaker reads it and as shown in tools);
``speech`` is the same sentence spelled for the speech synthesiser where it would misread the text
(espeak-ng reads 12345 as 一万两千… and 110 as 一百一十; callers expect 幺二三四五 and 幺幺零).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SOUNDS_SUBDIR = "hotline"
"""Sub-directory of Asterisk's ``sounds`` directory holding the prompts: ``sound:hotline/<id>``."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt: ``id`` (file-name safe), Chinese ``text``, English ``note``, optional TTS spelling."""

    id: str
    text: str
    note: str
    speech: str | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"prompt id {self.id!r} must match {_ID.pattern}")
        if not self.text.strip():
            raise ValueError(f"prompt {self.id!r} has no text")

    @property
    def tts_text(self) -> str:
        """What the synthesiser is given."""
        return self.speech or self.text


def media_uri(prompt_id: str) -> str:
    """The ARI media URI that plays a catalogue prompt, e.g. ``sound:hotline/welcome``."""
    return f"sound:{SOUNDS_SUBDIR}/{prompt_id}"


_EMERGENCY = "如遇紧急情况，请挂机拨打110、119、120或122。"
_EMERGENCY_SPEECH = "如遇紧急情况，请挂机拨打幺幺零、幺幺九、幺二零或幺二二。"

_PROMPTS = (
    Prompt(
        "welcome",
        "您好，欢迎致电12345政务服务便民热线。" + _EMERGENCY,
        "Welcome; emergencies: hang up and dial 110 police, 119 fire, 120 ambulance, 122 traffic.",
        "您好，欢迎致电幺二三四五政务服务便民热线。" + _EMERGENCY_SPEECH,
    ),
    Prompt(
        "menu",
        "咨询请按1，求助请按2，投诉或举报请按3，建议或表扬请按4，人工服务请按0，重听请按星号键。",
        "Menu: 1 consult, 2 help, 3 complaint/report, 4 suggestion/praise, 0 agent, * repeat.",
        "咨询请按一，求助请按二，投诉或举报请按三，建议或表扬请按四，人工服务请按零，重听请按星号键。",
    ),
    Prompt("invalid", "抱歉，您的按键有误。", "Sorry, that key is not in the menu (menu follows)."),
    Prompt("timeout", "抱歉，没有收到您的按键。", "Sorry, no key pressed (menu follows)."),
    Prompt("transfer_agent", "正在为您转接人工服务，请稍候。", "Transferring you to an agent, please hold."),
    Prompt(
        "describe",
        "请在提示音后描述您反映的事项，按井号键结束。",
        "After the tone, describe your matter; press # when done.",
    ),
    Prompt(
        "thanks_transferring",
        "谢谢您，正在为您转接，请稍候。",
        "Thank you, transferring you now, please hold.",
    ),
    Prompt(
        "out_of_hours",
        "您好，这里是12345政务服务便民热线，现在是非工作时间。"
        + _EMERGENCY
        + "请在提示音后留下您的姓名、电话和反映的事项，按井号键结束。",
        "Out of hours; emergency numbers; leave name, phone and matter after the tone, # to end.",
        "您好，这里是幺二三四五政务服务便民热线，现在是非工作时间。"
        + _EMERGENCY_SPEECH
        + "请在提示音后留下您的姓名、电话和反映的事项，按井号键结束。",
    ),
    Prompt(
        "message_recorded",
        "您的留言已记录，我们会在工作时间尽快与您联系。感谢您的来电，再见。",
        "Message recorded; we will call back in working hours. Thank you, goodbye.",
    ),
    Prompt(
        "sorry_technical",
        "抱歉，系统暂时出现故障。",
        "Sorry, a technical problem (a transfer notice follows).",
    ),
)

CATALOGUE: Mapping[str, Prompt] = MappingProxyType({p.id: p for p in _PROMPTS})
"""Every prompt, by id (read-only)."""

if len(CATALOGUE) != len(_PROMPTS):  # pragma: no cover - guards edits of the table above
    raise ValueError("duplicate prompt id in the catalogue")
