"""R-SCOPE emergencies: a matter for 110/119/120/122 must never become an ordinary ticket silently.

A cue of danger (着火, 煤气泄漏, 晕倒, 有人打人, 车祸 …) makes the call an emergency for its service unless
the words around it place the danger in the past or make it a question, a plan or a dispute about an
old event ("上个月着火的事", "消防通道被堵了", "车祸的赔偿"). A cue near words of *now* (正在, 刚才,
快来, 救命) counts even when a past marker is near too ("刚才又着火了，上个月也着过").

Recall comes first (a missed fire is worse than an agent dismissing a false alarm), so the cues are broad
and only clear markers suppress them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from asr.drafting.classifier import CategoryModel, bundled_model
from asr.drafting.text import NormText


class EmergencyService(StrEnum):
    """Where the caller must be sent."""

    POLICE = "110"
    FIRE = "119"
    AMBULANCE = "120"
    TRAFFIC = "122"


@dataclass(frozen=True, slots=True)
class _Cue:
    pattern: str
    service: EmergencyService


F, A, P, T = (
    EmergencyService.FIRE,
    EmergencyService.AMBULANCE,
    EmergencyService.POLICE,
    EmergencyService.TRAFFIC,
)

_GAS = "(?:煤气|燃气|天然气|液化气|瓦斯)"
CUES: tuple[_Cue, ...] = (
    # 119: fire, smoke, explosion, gas, someone trapped, buried or in the water
    _Cue(
        "着火|起火|失火|火灾|烧起来了|烧着了|火(很|特别|越来越)?大|火势|火苗|火花|浓烟|黑烟滚滚|爆炸|炸了|烧焦(的)?味",
        F,
    ),
    _Cue("(?<![烟油])冒(黑|白)?烟|烟.{0,6}冒(出来|进来)|往外冒烟", F),
    _Cue(f"{_GAS}.{{0,8}}(泄漏|泄露|漏了|漏气|在漏|味(道)?(很|特别|好|非常)?(大|重|浓|冲))", F),
    _Cue(f"(闻到|一股|好大的?|很大的?)(一股)?.{{0,3}}{_GAS}味", F),
    _Cue(
        "被困在?.{0,4}(火|烟|水|电梯|楼|山|洞|井|河)|(困|卡)在.{0,8}(火|烟|水|电梯|楼顶|阳台|井|栏杆|护栏)|电梯.{0,6}困(了|住)?(人|住)",
        F,
    ),
    _Cue(
        "出不来了?.{0,6}(火|烟|水)|掉(进|到).{0,4}(水|河|湖|井|坑)|落水|溺水|被埋|埋住|(人|身子|腿).{0,6}压住了|拔不出来",
        F,
    ),
    # 120: collapse, unconsciousness, bleeding, a medical crisis
    _Cue(
        "晕倒|昏倒|晕过去|昏过去|昏迷|不省人事|叫不醒|叫(他|她)?(也)?不(答应|应)|没(有)?(了)?(呼吸|心跳|意识|反应)",
        A,
    ),
    _Cue(
        "倒在地上|倒地|突然(就)?倒(了|下)|捂着(胸口|肚子|头)|说不出话|迷迷糊糊|(在|正在)(做)?心肺复苏|在按压",
        A,
    ),
    _Cue(
        "大出血|流(了)?(很多|好多|一地|满地|满脸|满头)的?血|血流不止|止不住血|全是血|都是血|一滩血|血.{0,4}(往外)?喷|出了?好多血|打出血|头破了",
        A,
    ),
    _Cue(
        "抽搐|抽风|口吐白沫|心脏病(发作|犯了)|心梗|中风|脑梗|喘不(上|过)气|呼吸困难|憋得|(嘴唇|脸|嘴)(都)?(发)?(紫|白)了?|(嘴|脸)(也)?歪了",
        A,
    ),
    _Cue(
        "要生了|羊水破了|割腕|吞(了)?(药|安眠药)|喝(了)?(农药|药)|吃了(一瓶|很多|好多)(的)?(安眠)?药|中毒|烧炭|一氧化碳|野蘑菇",
        A,
    ),
    _Cue(
        "摔(倒|伤|下来).{0,8}(头|脑袋).{0,4}(血|破|磕)|头磕(到|破)|骨折了?.{0,4}动不了|烫伤|烧伤|(手指|手腕|胳膊|脚趾)(被)?(切|砍|轧|压)?断|被狗咬|(人|孩子|儿子|女儿|老人|他|她)(从.{0,8})?(掉|摔)(下去|下来)了",
        A,
    ),
    _Cue("(派|叫|要)(个|辆)?救护车|快派(个)?车|叫(个)?车来", A),
    # 110: violence, crime in progress, someone about to harm themselves, a child just gone
    _Cue(
        "打架|打人|斗殴|群殴|打群架|围着打|砍人|持刀|拿(着)?(刀|棍子|砖头|铁锹|锄头|酒瓶)|动刀|捅(了)?人|砸人|抢劫|抢(了)?(我|包|钱)|有人抢",
        P,
    ),
    _Cue(
        "有人(在)?(撬|闯|砸)|撬(我家|我们家|车|门|锁)|在撬|入室|(小偷|贼).{0,6}(正在|还在|在我家|进来)|进贼|(正在|在)偷(?!偷)|偷(东西|电瓶|车)",
        P,
    ),
    _Cue(
        "家暴|(老公|丈夫|男朋友|前男友|他|她|儿子|爸爸).{0,4}(在|正在|又在)?打我|往死里打|要打死|喊救命|砸门|闹事",
        P,
    ),
    _Cue("要跳楼|想跳楼|跳楼|站在.{0,6}(楼顶|天台|桥上|窗台)|想不开|轻生|要自杀|想自杀|寻死|不想活", P),
    _Cue(
        "孩子.{0,4}(不见了|丢了|走丢了?|找不到了|走散)|(女儿|儿子|小孩).{0,6}(不见了|找不到了|没回家|走散)|被(人)?(绑架|拐|抱走)|被人关|关在.{0,6}(房子|屋)",
        P,
    ),
    _Cue(
        "威胁(要)?(杀|砍|弄死)|要杀了?(我|他|她)|砸(车|店|门)|(一直)?跟(着|踪)我|不(让我)?下车|不停车|不走正常路线",
        P,
    ),
    # 122: a traffic accident
    _Cue(
        "车祸|撞车|追尾|翻车|连环撞|被车撞|(汽车|车|电动车|货车|出租车|公交车|小车|轿车)(把人)?撞(了|到|倒|上)|撞(到|倒|飞|上)(了)?(人|一个|行人)",
        T,
    ),
    _Cue(
        "(出|发生)(了)?(交通)?事故|交通事故|(车|货车)(在.{0,8})?翻了|逆行|冲进(了)?.{0,4}(河|沟|湖)|差点撞", T
    ),
)

_COMPILED = tuple((re.compile(cue.pattern), cue) for cue in CUES)

# Words that put the danger elsewhere than now: the past, a question or plan, a dispute about an old event,
# damage to things rather than people, or a call about something else (a complaint about the ambulance).
_NOT_NOW = re.compile(
    "上个月|上月|上周|上星期|上个星期|上礼拜|上个礼拜|去年|前年|前几天|前些天|前段时间|前阵子|那次|当时|昨天|昨晚|前天|上次|"
    "(几|两|三|四|五|一|好几|十几|\\d+)(天|周|个星期|个月|年)(以)?前|之前|以前|曾经|"
    "已经(灭|扑灭|熄灭|处理|没事|好了|出院|醒|抓)|后来|后续|以后|之后|"
    "赔偿|理赔|保险|定损|责任认定|事故认定|认定书|鉴定|医药费|赔钱|诉讼|起诉|法院|案子|"
    "怎么(办理|报|处理|预防|申请|交|查)|如何|培训|演练|知识|讲座|宣传|申请|补贴|家庭病床|护工|"
    "万一|如果|要是|假如|隐患|防火|防范|安全检查|消防检查|消防通道|安全通道|逃生通道|"
    "灭火器|报警器|烟囱|工厂|排放|燃气费|煤气费|燃气公司.{0,4}(收费|账单)|(打|点)不着火|劣质煤|"
    "(被车|车)撞(坏|倒|歪|弯)了?(的)?(消防栓|隔离栏|护栏|栏杆|红绿灯|路灯|杆)|"
    "(消防栓|隔离栏|护栏|栏杆|红绿灯|路灯|杆).{0,4}被车撞|"
    "投诉|表扬|感谢|建议|送(到)?(了)?医院|送医|"
    "电视|新闻|电影|小说|游戏|梦"
)
_NOW = re.compile("正在|刚刚|刚才|马上|快(来|点|救)|赶紧|救命|着呢|就在刚才|来不及|快不行")
_NEGATED = re.compile("(没有|没|不是|并没有|未)(人)?$")
_BEFORE, _AFTER = 20, 14  # characters before/after a cue that decide whether it is now


@dataclass(frozen=True, slots=True)
class EmergencyHit:
    """An emergency read from the transcript."""

    service: EmergencyService
    cues: tuple[str, ...]
    confidence: float
    span: tuple[int, int]


def detect_emergency(norm: NormText, model: CategoryModel | None = None) -> EmergencyHit | None:
    """The emergency the caller describes, if any: the service of the first live cue decides; with no live
    cue, the model's emergency head (``model``, default the bundled one) may still flag the call."""
    text = norm.text
    live: list[tuple[int, int, str, EmergencyService, bool]] = []
    for regex, cue in _COMPILED:
        for match in regex.finditer(text):
            start, end = match.span()
            if _NEGATED.search(text[max(0, start - 4) : start]):
                continue
            around = text[max(0, start - _BEFORE) : end + _AFTER]
            now = _NOW.search(around) is not None
            if not now and _NOT_NOW.search(around):
                continue
            live.append((start, end, match.group(0), cue.service, now))
    if not live:
        return _by_model(norm, model)
    live.sort()
    first = live[0]
    service = first[3]
    cues = tuple(dict.fromkeys(word for _, _, word, s, _ in live if s is service))
    confidence = 0.9 if any(now for *_, s, now in live if s is service) else 0.75
    return EmergencyHit(service, cues, confidence, norm.span(first[0], first[1]))


def _by_model(norm: NormText, model: CategoryModel | None) -> EmergencyHit | None:
    if _NOT_NOW.search(norm.text) and not _NOW.search(norm.text):
        return None  # the model does not see where the danger is in time: the markers decide
    model = model or bundled_model()
    found = None if model is None else model.emergency(norm.text)
    if found is None:
        return None
    service, probability = found
    return EmergencyHit(EmergencyService(service), (), min(0.9, probability), norm.span(0, len(norm.text)))
