"""Address components from a transcript: 杭州市西湖区文三路幸福小区3栋 → city/district/road/community/….

Each component type is found by its suffix (省, 市, 区/县, 街道/镇/乡, 路/街/大道/巷, 小区/社区/村/花园…,
栋/幢/号/单元/楼/室) with a name made of characters that cannot start or join a sentence (在, 住, 是, 那个…).
Components close to each other form a cluster; the richest cluster is the address. Inside a cluster a later
component of the same type wins, which applies corrections ("新华街道 不对 是和平街道"). A house number
alone ("我们住十八楼") is not an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asr.drafting.divisions import divisions
from asr.drafting.fields import ADDRESS_PARTS, AddressField
from asr.drafting.segment import boundaries
from asr.drafting.text import NUMERAL_CHARS, NormText, numerals_to_digits

# Characters that never belong to a place name here: function words, pronouns, fillers, punctuation.
_STOP = "在住是的了我你他她它们那这个就到从去来还跟给把被让有没也都说叫哪啊吧呢吗嗯哦呃对边旁门口要想问请"
_PUNCT = "，。？！、,.?!；;：:“”\"'（）()…"
_EXCLUDED = _STOP + _PUNCT + "省市区县" + NUMERAL_CHARS + "0123456789"
_NAME = "[^" + re.escape(_EXCLUDED) + "\\s]"
# Below street level: Chinese numerals allowed (文三路, 中山二路), no street or road inside the name.
_NAME_LOW = "[^" + re.escape(_STOP + _PUNCT + "省市区县街路镇乡道0123456789") + "\\s]"
_NUM = f"[0-9{NUMERAL_CHARS}]{{1,5}}"
_ORDINALS = "一二三四五六七八九十"

# (kind, pattern, length of the shortest name); names start where a jieba word starts.
_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("province", re.compile(f"{_NAME}{{2,6}}?(?:省|自治区)"), 2),
    ("city", re.compile(f"{_NAME}{{2,5}}市(?!场)"), 2),
    ("district", re.compile(f"{_NAME}{{2,5}}(?:区|县)"), 2),
    ("street", re.compile(f"{_NAME}{{2,5}}(?:街道|镇|乡)"), 2),
    ("road", re.compile(f"{_NAME_LOW}{{2,4}}(?:大道|路(?![灯口费况线子人])|街(?!道)|巷)(?:{_NUM}段)?"), 2),
    (
        "community",
        re.compile(
            f"{_NAME_LOW}{{2,6}}?(?:小区|社区|花园|家园|公寓|新村|村|苑|大厦|[东西南北]里|园|城(?![市区管里])|"
            f"[{_ORDINALS}]区)(?:[{_ORDINALS}]区)?"
        ),
        2,
    ),
    (
        "building",
        re.compile(f"(?:{_NUM}(?:号楼|栋|幢|单元|号院|号|弄|楼|层|室|区(?=[0-9{NUMERAL_CHARS}])))+"),
        0,
    ),
)
_SUFFIX = re.compile(
    "(?:省|自治区|市|区|县|街道|镇|乡|大道|路|街|巷|弄|小区|社区|花园|家园|公寓|新村|村|苑|大厦|[东西南北]里|园|城)$"
)
# Suffix look-alikes that are not administrative places.
_NOT_CITY = ("超市", "城市", "菜市", "夜市", "股市", "门市", "都市", "上市")
_NOT_ROAD = (
    "绕路",
    "马路",
    "走路",
    "道路",
    "公路",
    "出路",
    "半路",
    "迷路",
    "带路",
    "问路",
    "让路",
    "修路",
    "上路",
    "过路",
    "铁路",
    "线路",
    "水路",
    "电路",
    "思路",
    "网路",
    "小路",
    "大路",
    "老路",
)
_NOT_COMMUNITY = (
    "公园", "幼儿园", "校园", "动物园", "植物园", "游乐园", "乐园", "果园", "菜园", "陵园", "产业园",
    "工业园", "县城", "进城", "老城", "全城", "满城", "出城", "古城", "长城", "省城", "京城", "城里", "同城",
)  # fmt: skip
_VERBS = re.compile("联系|帮忙|麻烦|通知|告诉|需要|希望|反映|找")
_NOT_DISTRICT_BEFORE = set("小社园景片辖学营厂矿校病保地郊市考分灾")
_MAX_GAP = 6  # characters between two components of one address
_GAP_OK = re.compile(r"^(?:[，,、。\s]|那个|这个|就在|就是|在|的|是|不对|不是|那边|这边|上|旁边)*$")
_CONFIDENCE = {1: 0.45, 2: 0.65, 3: 0.8}


@dataclass(frozen=True, slots=True)
class _Part:
    kind: str
    value: str
    start: int
    end: int


def _accept(kind: str, value: str) -> bool:
    if kind == "city":
        return divisions().city_suffix(value) is not None or not value.endswith(_NOT_CITY)
    if kind == "district":
        return value[-2] not in _NOT_DISTRICT_BEFORE
    if kind == "road":  # 十二路 is a bus line
        return not value.endswith(_NOT_ROAD) and not all(c in NUMERAL_CHARS for c in value[:-1])
    if kind == "community":
        if value.endswith(_NOT_COMMUNITY) or _VERBS.search(value):
            return False  # 帮忙联系社区: the community office, not a place
        return len(value) >= 3 or not value.endswith(("村", "园", "城"))
    return True


def _word_start(
    kind: str, start: int, end: int, shortest: int, norm: NormText, words: frozenset[int]
) -> int | None:
    """Where the name really starts: after the caller's last pause inside the match, else at the first
    word boundary that still leaves a name of ``shortest`` characters; ``None`` when there is none."""
    if kind == "building":
        return start
    suffix = _SUFFIX.search(norm.text, start, end)
    name_end = suffix.start() if suffix else end
    positions = range(start, name_end - shortest + 1)
    paused = [pos for pos in positions if pos > start and norm.gap_before(pos)]
    if paused:
        return paused[-1]
    return next((pos for pos in positions if pos in words), None)


def _real_places(part: _Part, home_city: str | None) -> list[_Part]:
    """A district or city cut to the real division name it ends with; words before a district that name
    a city become the city ("成都武侯区" → 成都市 + 武侯区; "投诉朝阳区" → 朝阳区)."""
    table = divisions()
    if part.kind == "city":
        full = table.city_suffix(part.value)
        if full is not None and part.value.endswith(full):
            return [_Part("city", full, part.end - len(full), part.end)]
        return [part]
    if part.kind != "district":
        return [part]
    name = table.district_suffix(part.value, home_city)
    if name is None or name == part.value:
        return [part]
    start = part.end - len(name)
    city = table.city_suffix(part.value[: -len(name)])
    district = _Part("district", name, start, part.end)
    return [_Part("city", city, part.start, start), district] if city else [district]


def _parts(norm: NormText, home_city: str | None = None) -> list[_Part]:
    text = norm.text
    words = boundaries(text)
    found: list[_Part] = []
    for kind, regex, shortest in _PATTERNS:
        for match in regex.finditer(text):
            start = _word_start(kind, match.start(), match.end(), shortest, norm, words)
            if start is None:
                continue
            value = text[start : match.end()]
            if _accept(kind, value):
                found.extend(_real_places(_Part(kind, value, start, match.end()), home_city))
    found += _named_cities(text, found) + _named_districts(text, found)
    found.sort(key=lambda p: (p.start, -p.end))
    # Overlaps: keep the earlier, longer match (a road inside a community name, etc.).
    kept: list[_Part] = []
    for part in found:
        if kept and part.start < kept[-1].end:
            continue
        kept.append(part)
    return kept


def _named_cities(text: str, found: list[_Part]) -> list[_Part]:
    """Cities named in full ("成都市") or, right before another component, by their short name
    ("成都武侯区"): found by the division table, since the name pattern cannot tell 成都 from a sentence."""
    table = divisions()
    starts = {p.start for p in found}
    cities: list[_Part] = []
    for match in table.city_names.finditer(text):
        name = match.group(0)
        full = table.cities[name]
        if name == full or match.end() in starts:
            cities.append(_Part("city", full, match.start(), match.end()))
    return cities


def _named_districts(text: str, found: list[_Part]) -> list[_Part]:
    """Real district names the name pattern cannot read (门头沟区: 门 stops a name), three characters or
    more (城区 is a district name too, and a common word)."""
    have = {(p.start, p.end) for p in found if p.kind == "district"}
    return [
        _Part("district", m.group(0), m.start(), m.end())
        for m in divisions().district_names.finditer(text)
        if (m.start(), m.end()) not in have
    ]


def _clusters(text: str, parts: list[_Part]) -> list[list[_Part]]:
    clusters: list[list[_Part]] = []
    for part in parts:
        if clusters:
            last = clusters[-1][-1]
            gap = text[last.end : part.start]
            if len(gap) <= _MAX_GAP and _GAP_OK.match(gap):
                clusters[-1].append(part)
                continue
        clusters.append([part])
    return [c for c in clusters if any(p.kind != "building" for p in c)]


def extract_address(norm: NormText, home_city: str | None = None) -> AddressField | None:
    """The most complete address in the transcript, or ``None`` when none is given (``home_city``: the
    hotline's city, preferred when a district name exists in several cities)."""
    clusters = _clusters(norm.text, _parts(norm, home_city))
    if not clusters:
        return None
    best = max(clusters, key=lambda c: (len({p.kind for p in c}), c[-1].end))
    components: dict[str, str] = {}
    for part in best:
        value = numerals_to_digits(part.value) if part.kind == "building" else part.value
        if part.kind == "building" and components.get("building", "").endswith(value):
            continue  # "2栋 … 就在那个2栋下面": the same building said again
        components[part.kind] = value
    first = min(p.start for p in best)
    last = max(p.end for p in best)
    span = norm.span(first, last)
    ordered = [components[k] for k in ADDRESS_PARTS if k in components]
    confidence = _CONFIDENCE.get(len(components), 0.9)
    return AddressField(
        text="".join(ordered),
        confidence=confidence,
        span=span,
        province=components.get("province"),
        city=components.get("city"),
        district=components.get("district"),
        street=components.get("street"),
        road=components.get("road"),
        community=components.get("community"),
        building=components.get("building"),
    )
