"""Time expressions: 昨天晚上八点, 上周三上午, 今年一月份 (absolute, resolved against ``now`` in
Asia/Shanghai), 每天晚上十一点以后 / 天天 (recurring, kept as text) and 坏了半个月了 (duration).

Resolution conventions (also in tests/fixtures/transcripts/README.md): part-of-day starts 凌晨 00:00,
早上 06:00, 上午 08:00, 中午 11:00, 下午 13:00, 傍晚 17:00, 晚上 18:00, 夜里 22:00; a date alone starts
at 00:00; a week (上周) at its Monday; a month at its 1st. A bare part of day ("晚上偷偷排") or a bare
hour is too vague to resolve and is not reported; a duration counts only with the aspect particle 了
("干了三个月", "坏了半个月了"), which marks how long the matter has lasted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from asr.drafting.fields import TimeField
from asr.drafting.text import NormText, chinese_to_int

SHANGHAI = ZoneInfo("Asia/Shanghai")

_N = "[0-9零一二两三四五六七八九十]"
_PART_HOURS: dict[str, int] = {
    "凌晨": 0, "清晨": 6, "早上": 6, "早晨": 6, "上午": 8, "中午": 11, "下午": 13, "傍晚": 17,
    "晚上": 18, "夜里": 22, "夜间": 22, "深夜": 22, "半夜": 22,
}  # fmt: skip
_PM = frozenset({"下午", "傍晚", "晚上"})
_NIGHT = frozenset({"夜里", "夜间", "深夜", "半夜"})
_PART = "|".join(sorted(_PART_HOURS, key=len, reverse=True))
_HOUR = f"(?P<h>{_N}{{1,3}})[点时](?P<min>半|一刻|{_N}{{1,3}}分)?(?:多|左右|钟)?"
_REL_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "后天": 2}
_SHORT = {"今早": (0, "早上"), "昨晚": (-1, "晚上"), "今晚": (0, "晚上")}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEK_SHIFT = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "": 0}
_MONTH = "十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9]"
_DAY_OF_MONTH = (
    "三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]|[12]\\d|3[01]|[1-9]"
)

_DAY = (
    "(?P<rel>大前天|前天|昨天|昨日|今天|今日|明天|后天)"
    "|(?P<short>今早|昨晚|今晚)"
    "|(?P<wpre>上上|上|这|本|下)个?(?:周|星期|礼拜)(?P<wday>[一二三四五六日天末])?"
    "|(?:周|星期|礼拜)(?P<wday2>[一二三四五六日天])"
    f"|(?P<yr>今年|去年|明年)?(?P<mon>{_MONTH})月份?(?:(?P<mday>{_DAY_OF_MONTH})[日号])?"
    f"|(?P<mshift>上个?月|下个?月|这个月|本月)(?P<mday2>{_DAY_OF_MONTH})[日号]"
    f"|(?P<ago>{_N}{{1,3}}|两)天(?:以)?前"
    "|(?P<lastm>上个?月|这个月|本月)"
)
_ABSOLUTE = re.compile(
    f"(?:{_DAY})(?P<part>{_PART})?(?:{_HOUR})?|(?P<part2>{_PART}){_HOUR.replace('?P<', '?P<x')}"
)
_RECURRING = re.compile(
    "(?:每天|每晚|每日|每周[一二三四五六日天末]?|每个?星期[一二三四五六日天]?|每个?礼拜[一二三四五六日天]?"
    f"|每个?月|(?<![今明昨前后每])天天|每到|经常|总是|老是)(?:{_PART})?(?:{_N}{{1,3}}[点时](?:半|多)?)?(?:以后|之后|以前|之前|左右|开始)?"
)
_DURATION = re.compile(
    f"(?P<pre>了)?(?:快|将近|差不多|大概|足足|整整)?(?P<d>(?:{_N}+|半|几)个?多?(?:小时|钟头|天|星期|礼拜|周|月|年)多?)(?P<post>了)?"
)


def _as_shanghai(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(SHANGHAI)
    if now.tzinfo is None:
        return now.replace(tzinfo=SHANGHAI)
    return now.astimezone(SHANGHAI)


def _hour(raw: str | None, minute_raw: str | None, part: str | None) -> tuple[int, int] | None:
    if raw is None:
        return None
    value = chinese_to_int(raw)
    if value is not None and value > 24 and len(raw) == 2:
        value = chinese_to_int(raw[0])  # 两三点 = two or three o'clock: take the first
    if value is None or value > 24:
        return None
    if (part in _PM and value < 12) or (part == "中午" and value < 6) or (part in _NIGHT and 8 <= value < 12):
        value += 12
    minute = 0
    if minute_raw == "半":
        minute = 30
    elif minute_raw == "一刻":
        minute = 15
    elif minute_raw:
        minute = chinese_to_int(minute_raw[:-1]) or 0
    return (value % 24, min(minute, 59))


def _resolve(match: re.Match[str], now: datetime) -> tuple[datetime, str] | None:
    """Start datetime and granularity of an absolute expression."""
    g = match.groupdict()
    today = now.date()
    part = g.get("part") or g.get("part2")
    day: date
    granularity = "day"
    if g.get("rel"):
        day = today + timedelta(days=_REL_DAYS[g["rel"]])
    elif g.get("short"):
        shift, part = _SHORT[g["short"]]
        day = today + timedelta(days=shift)
    elif g.get("wpre") is not None or g.get("wday2"):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=_WEEK_SHIFT[g.get("wpre") or ""])
        weekday = g.get("wday") or g.get("wday2")
        day = monday + timedelta(days=_WEEKDAYS[weekday]) if weekday else monday
        granularity = "day" if weekday else "week"
    elif g.get("mon"):
        month = chinese_to_int(g["mon"]) or 1
        year = today.year + {"去年": -1, "明年": 1}.get(g.get("yr") or "", 0)
        mday = chinese_to_int(g["mday"]) if g.get("mday") else None
        try:
            day = date(year, month, mday or 1)
        except ValueError:
            return None
        granularity = "day" if mday else "month"
    elif g.get("mshift"):
        first = today.replace(day=1)
        if g["mshift"].startswith("上"):
            first = (first - timedelta(days=1)).replace(day=1)
        elif g["mshift"].startswith("下"):
            first = (first + timedelta(days=32)).replace(day=1)
        try:
            day = first.replace(day=chinese_to_int(g["mday2"]) or 1)
        except ValueError:
            return None
    elif g.get("ago"):
        days = chinese_to_int(g["ago"])
        if days is None or days > 366:
            return None
        day = today - timedelta(days=days)
    elif g.get("lastm"):
        first = today.replace(day=1)
        day = (first - timedelta(days=1)).replace(day=1) if g["lastm"].startswith("上") else first
        granularity = "month"
    else:
        day = today  # part of day + hour without a day: today
    hm = _hour(g.get("h") or g.get("xh"), g.get("min") or g.get("xmin"), part)
    if hm is not None:
        return datetime.combine(day, time(*hm), SHANGHAI), "hour"
    if part:
        return datetime.combine(day, time(_PART_HOURS[part]), SHANGHAI), "part_of_day"
    return datetime.combine(day, time(0), SHANGHAI), granularity


def extract_times(norm: NormText, now: datetime | None = None) -> list[TimeField]:
    """Every time expression, in order of appearance."""
    reference = _as_shanghai(now)
    text = norm.text
    found: list[tuple[int, TimeField]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in _RECURRING.finditer(text):
        start, end = match.span()
        taken.append((start, end))
        found.append((start, TimeField(match.group(0), "recurring", 0.7, norm.span(start, end))))
    for match in _ABSOLUTE.finditer(text):
        start, end = match.span()
        if not free(start, end):
            continue
        resolved = _resolve(match, reference)
        if resolved is None:
            continue
        anchored = match.group("part2") is None
        taken.append((start, end))
        field = TimeField(
            match.group(0), "absolute", 0.8 if anchored else 0.5, norm.span(start, end), *resolved
        )
        found.append((start, field))
    for match in _DURATION.finditer(text):
        start, end = match.span("d")
        if not (match.group("pre") or match.group("post")) or not free(start, end):
            continue
        found.append((start, TimeField(match.group("d"), "duration", 0.6, norm.span(start, end))))
    found.sort(key=lambda item: item[0])
    return [field for _, field in found]


def primary_time(times: list[TimeField]) -> TimeField | None:
    """The time of the matter: the first absolute or recurring expression, else the first duration."""
    for field in times:
        if field.kind != "duration":
            return field
    return times[0] if times else None
