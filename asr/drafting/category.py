"""R-CAT category of a call from weighted cue words, with negation and self-correction.

举报 (report) is about illegal acts of others or of officials (非法, 违规排污, 收受贿赂); 投诉 (complaint)
is about a service or staff that affects the caller (态度差, 不作为, 扰民, 拖欠). A cue preceded by a
negation ("我不是要投诉") does not count; a cue the caller takes back ("投诉啊，不是，应该说是举报")
does not count either. Out-of-scope calls (R-SCOPE: courts, advertising, chit-chat) and calls with no
usable cue are 其他.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from asr.drafting.classifier import CategoryModel, Vector, bundled_model
from asr.drafting.fields import CategoryField
from asr.drafting.text import NormText
from ticketing.categories import Category


@dataclass(frozen=True, slots=True)
class Cue:
    """A regular expression whose match votes ``weight`` for ``category``."""

    pattern: str
    category: Category
    weight: float
    negatable: bool = True


C, H, P, R, S, G, X = (
    Category.CONSULT,
    Category.HELP,
    Category.COMPLAINT,
    Category.REPORT,
    Category.SUGGESTION,
    Category.PRAISE,
    Category.OTHER,
)

CUES: tuple[Cue, ...] = (
    # 咨询: questions on policy, procedures, places.
    Cue("咨询", C, 2.5),
    Cue("请问", C, 2.0),
    Cue("想问|问一下|问下|问个事|打听|了解一下|想了解", C, 2.0),
    Cue("怎么办理|如何办理|怎么申请|怎么申领|如何申请|怎么补办|怎么弄|怎么交|怎么报|流程", C, 2.0),
    Cue("哪个部门|找哪个|归谁管|哪里管|能不能办|可以办吗|要交多少|交多少|多少钱", C, 1.5),
    Cue("(需要|要带|准备)(什么|哪些)(材料|东西|手续|证件)|什么材料|哪些材料", C, 2.0),
    Cue("在哪里|在哪儿|去哪|哪个窗口|在哪", C, 1.0),
    Cue("几点|多少钱|多长时间|什么时候能|会不会影响|有没有影响|是不是也", C, 1.0),
    Cue("政策|条件是什么|能不能办", C, 0.8),
    # 求助: urgent help for the caller or someone near.
    Cue("帮帮我|帮帮忙|救救|救命|帮我找|快点派人|赶紧派人", H, 3.0),
    Cue("着急|急死|怎么办啊|怎么办呀|不敢|吓人|害怕", H, 1.5),
    Cue("泄漏|漏气|着火|冒烟|晕倒|昏倒|受伤|没到家|联系不上|找不到", H, 2.0),
    Cue("被困|困在|困住|出不来", H, 3.0),
    Cue("没水没电|停水|停电|没水了|没电了|断水|断电", H, 2.5),
    Cue("走失|找不到人|还没回来|失联", H, 3.0),
    Cue("丢了|回不了家|没钱回|一分钱都没有", H, 2.0),
    Cue("帮忙协调|派人来|派人过来|帮忙处理一下|担心出事|出事|危险", H, 1.5),
    Cue("堵了|漫到|漏水|淹了", H, 1.0),
    # 投诉: a service or staff that hurts the caller.
    Cue("投诉", P, 3.0),
    Cue("态度(太|很|特别|非常|极其)?(差|恶劣|不好|蛮横|冷漠|粗暴)", P, 2.5, negatable=False),
    Cue("不作为|推诿|踢皮球|不耐烦|爱答不理", P, 2.5, negatable=False),
    Cue("扰民|吵得|吵到|吵死|吵得要死|睡不着|没法睡", P, 2.0, negatable=False),
    Cue("拖欠|欠薪|不发工资|不给钱", P, 2.0, negatable=False),
    Cue("不给退|不退|拒载|绕路|乱收费|多收|宰客", P, 2.0, negatable=False),
    Cue("不管|没人管|不修|不处理|一直不|不解决|躲着", P, 1.5, negatable=False),
    Cue("噪音|油烟", P, 1.0),
    Cue("反映一个问题|太慢了", P, 0.5),
    # 举报: illegal acts of others / of officials.
    Cue("举报", R, 3.5),
    Cue("收受贿赂|受贿|贿赂|行贿|腐败|贪污|利用职务|中饱私囊|腰包|吃回扣", R, 3.0),
    Cue("违法|非法|无证|无照|黑诊所|地沟油|传销|赌博|造假|假冒|假药|假货|黑车|黑作坊|骗", R, 2.5),
    Cue("没有(营运证|执照|资质|许可证?|营业执照)|无(营运证|资质|许可证?)", R, 2.5, negatable=False),
    Cue("违规|违章|违建|私搭乱建|偷排|偷偷|私自|排污", R, 1.5),
    # 建议: proposals.
    Cue("建议", S, 3.0),
    Cue("提个意见|提意见|提个想法", S, 2.5),
    Cue("希望能|希望可以|是否可以|能否|可不可以", S, 2.0),
    Cue("增设|增加一些|多设置|多设|加几班|多一点|能不能像|延长", S, 1.5),
    Cue("考虑一下|可以考虑|我觉得.{0,12}可以|应该(多|增加|建|设|办)", S, 2.0),
    Cue("希望", S, 0.8),
    # 表扬: praise and thanks.
    Cue("表扬", G, 3.5),
    Cue("感谢|点个赞|点赞|锦旗", G, 3.0),
    Cue("很负责|负责任|尽职|热心|及时|效率很高|效率高|特别好|服务好|认真|好样的|辛苦了|辛苦你们", G, 2.0),
    Cue("态度(也|很|特别|非常)?(好|热情)", G, 1.5),
    Cue("谢谢你们", G, 1.0),
    # 其他: out of scope (R-SCOPE) or nothing said.
    Cue("起诉|法院|诉讼|仲裁|检察院|人大", X, 2.5),
    Cue("卖保险|推销|广告|合作|产品", X, 2.0),
    Cue("处理得怎么样|进展|进度|工单号|结果出来", X, 3.0),
    Cue("天气|下雨|彩票|股票", X, 3.0),
    Cue("听不清|算了|打扰了|打错了", X, 1.0),
)

_COMPILED = tuple((re.compile(cue.pattern), cue) for cue in CUES)
_NEGATION_BEFORE = re.compile(r"(不是|不要|没有|不想|并非|(?<![特分区类级个])别|不)[要想在是]?$")
_RETRACTION_AFTER = re.compile(r"^.{0,3}(不是|不对|说错了)")
_NOUN_BEFORE = re.compile(r"(我的|的|上次|之前|那个)$")  # "处理我的投诉": an earlier matter, not this call
_NOUN_CUES = frozenset({"投诉", "举报", "建议", "咨询"})
_QUESTION = re.compile(r"[吗呢？?]|多少|哪|几[点个天]|什么|怎么|是否|能不能|可不可以|有没有")
_MIN_CONTENT = 8  # CJK characters a question needs before it counts as a consultation
_CJK = re.compile("[\u4e00-\u9fff]")
_MIN_SCORE = 1.5  # below this, nothing decided the call: 其他 with low confidence


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 4) : start]
    return _NEGATION_BEFORE.search(window) is not None


def _retracted(text: str, end: int) -> bool:
    return _RETRACTION_AFTER.match(text[end : end + 6]) is not None


Evidence = dict[Category, list[tuple[float, str, int, int]]]


def cue_evidence(norm: NormText) -> tuple[dict[Category, float], Evidence]:
    """The cue words found, summed per category, and each match (weight, word, start, end)."""
    scores, cues, _ = _cues(norm)
    return scores, cues


def _cues(norm: NormText) -> tuple[dict[Category, float], Evidence, list[tuple[int, int]]]:
    text = norm.text
    scores: dict[Category, float] = defaultdict(float)
    cues: Evidence = defaultdict(list)
    void: list[tuple[int, int]] = []  # negated, taken back, or naming an earlier matter
    for regex, cue in _COMPILED:
        for match in regex.finditer(text):
            start, end = match.span()
            if cue.negatable and (_negated(text, start) or _retracted(text, end)):
                void.append((start, end))
                continue
            if match.group(0) in _NOUN_CUES and _NOUN_BEFORE.search(text[max(0, start - 2) : start]):
                void.append((start, end))
                continue
            scores[cue.category] += cue.weight
            cues[cue.category].append((cue.weight, match.group(0), start, end))
    return dict(scores), cues, void


_FILLERS = re.compile("[嗯啊呃哦噢喂哎唉呀吧嘛呢哈]|那个|这个|就是|然后|你好|您好")


def model_text(norm: NormText) -> str:
    """What the statistical model reads: the text with the cue words the caller negated or took back
    blanked out ("不是投诉，就是提个意见" must not read as a complaint to the n-grams either)."""
    return _blank(norm.text, _cues(norm)[2])


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def classify_by_cues(norm: NormText) -> CategoryField:
    """Category with confidence from the cue words alone (the fallback when no model is built)."""
    text = norm.text
    scores, cues = cue_evidence(norm)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < _MIN_SCORE:
        # R-TALK: most calls are consultations; a real question with no other cue is one.
        question = _QUESTION.search(text)
        if question and len(_CJK.findall(text)) >= _MIN_CONTENT and scores.get(Category.OTHER, 0.0) == 0.0:
            return CategoryField(Category.CONSULT, 0.35, (question.group(0),), norm.span(*question.span()))
        weak = min(0.3, 0.1 + (ranked[0][1] / 10 if ranked else 0.0))
        return CategoryField(Category.OTHER, weak, ())
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (top - second) / top
    strength = min(1.0, top / 5.0)
    confidence = 0.3 + 0.45 * margin + 0.2 * strength
    return _field(best, min(0.95, confidence), cues, norm)


def _field(
    best: Category, confidence: float, cues: Evidence, norm: NormText, *, unsure: bool = False
) -> CategoryField:
    evidence = sorted(cues.get(best, []), key=lambda item: (-item[0], item[2]))
    words = tuple(dict.fromkeys(word for _, word, _, _ in evidence))
    span = norm.span(evidence[0][2], evidence[0][3]) if evidence else None
    return CategoryField(best, confidence, words, span, unsure=unsure)


UNSURE_BELOW = 0.5
"""A category less probable than this is shown as unsure (the agent must choose)."""

# The menu branch the caller chose (ticketing.calls.vocabulary.Skill values) → the categories it stands for.
MENU_CATEGORIES: dict[str, tuple[Category, ...]] = {
    "consult": (Category.CONSULT,),
    "help": (Category.HELP,),
    "complaint_report": (Category.COMPLAINT, Category.REPORT),
    "suggestion_praise": (Category.SUGGESTION, Category.PRAISE),
}
MENU_TRUST = 0.5
"""Share of the prior mass the menu choice puts on its categories (the rest is spread evenly): callers
often press the first key that seems close, so the words still decide a clear case."""


def menu_prior(classes: tuple[Category, ...], menu_skill: str | None) -> Vector | None:
    """Log prior over ``classes`` from the menu branch (``None``: no usable choice)."""
    chosen = MENU_CATEGORIES.get(menu_skill or "")
    if not chosen:
        return None
    prior = np.full(len(classes), (1.0 - MENU_TRUST) / len(classes))
    for index, category in enumerate(classes):
        if category in chosen:
            prior[index] += MENU_TRUST / len(chosen)
    log_prior: Vector = np.log(prior)
    return log_prior


def classify(
    norm: NormText, *, menu_skill: str | None = None, model: CategoryModel | None = None
) -> CategoryField:
    """The category: the linear model over the text joined with the cue words and the menu choice, as a
    calibrated probability; below :data:`UNSURE_BELOW` the field says ``unsure``. Without a built model
    (``model`` ``None`` and nothing bundled) the cue words alone decide."""
    model = model or bundled_model()
    if model is None:
        return classify_by_cues(norm)
    if len(_CJK.findall(_FILLERS.sub("", norm.text))) < 2:
        return CategoryField(Category.OTHER, 0.1, (), unsure=True)  # nothing but fillers was said
    scores, cues, void = _cues(norm)  # one pass of the cue words serves both signals
    cue_vector = np.array([scores.get(c, 0.0) for c in model.classes])
    logits = model.logits(_blank(norm.text, void))
    probabilities = model.combine(logits, cue_vector, menu_prior(model.classes, menu_skill))
    best = int(np.argmax(probabilities))
    confidence = float(probabilities[best])
    return _field(model.classes[best], confidence, cues, norm, unsure=confidence < UNSURE_BELOW)
