"""Seeded, reproducible generator of a year of 12345 work orders for the list benchmark.

Rows come out as plain tuples of ``str | int | bool | None`` in the storage format both backends
accept: UUIDs as 32 lowercase hex digits (SQLAlchemy's ``Uuid`` on SQLite, and valid ``uuid`` input
for PostgreSQL), timestamps as naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's SQLite
``DateTime`` format, valid ``timestamp`` input for PostgreSQL), dates as ``YYYY-MM-DD``, JSON as text.

The shape of the data (fractions are of all tickets, at 1,000,000):

- ``created_at`` spread over the 365 days before :data:`ANCHOR`, weekdays busier than weekends, most
  calls between 08:00 and 21:00 Beijing time; tickets are generated (and inserted) in time order.
- categories: consult 34 %, complaint 25 %, help 20 %, suggestion 8 %, other 6 %, report 5 %, praise 2 %.
- ~0.3 % drafts, ~3 % rejected, ~25 % answered directly (直办), the rest dispatched to one of seven units
  (skewed: the urban-management bureau gets ~30 %); ~5 % of dispatches add a co-unit (会签), ~1.5 % were
  returned and re-dispatched (an inactive earlier assignment). About 1.2 % of dispatched tickets get
  stuck, so together with slow recent ones ~1 % of all tickets are open past their deadline (overdue).
- callers: ~95 % leave a phone, drawn from a pool of ``N / 5`` numbers with a heavy head (frequent
  callers), giving ~190k distinct phones at 1M tickets.
- ~3.6 events per ticket (register, dispatch, accept/reply/close, callback), one lead assignment per
  dispatched ticket.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ticketing.categories import Category

# "Now" of the data set: fixed so that runs are reproducible; the services get ``now=lambda: ANCHOR``.
ANCHOR = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ANCHOR_US = int((ANCHOR - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * US
_SHANGHAI_OFFSET = 8 * HOUR

OPEN = ("registered", "pending_instruction", "dispatched", "returned", "in_progress", "promised", "replied")

TICKET_COLUMNS = (
    "id",
    "number",
    "version",
    "channel",
    "status",
    "category",
    "urgency",
    "title",
    "content",
    "summary",
    "location",
    "caller_name",
    "caller_phone",
    "caller_address",
    "confidential",
    "handling_kind",
    "extension_pending",
    "supervised",
    "redo_count",
    "knowledge_ref",
    "promised_date",
    "dispatched_at",
    "due_at",
    "due_provisional",
    "satisfaction",
    "result_satisfaction",
    "call_id",
    "draft_id",
    "created_by",
    "created_at",
    "updated_at",
    "closed_at",
)
ASSIGNMENT_COLUMNS = (
    "id",
    "ticket_id",
    "department_id",
    "role",
    "active",
    "assigned_at",
    "accepted_at",
    "ended_at",
)
EVENT_COLUMNS = (
    "ticket_id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "from_status",
    "to_status",
    "reason",
    "payload",
)
DEPARTMENT_COLUMNS = ("id", "code", "name", "level", "parent_id", "active", "created_at")
USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "role",
    "department_id",
    "password_hash",
    "active",
    "created_at",
)

Value = str | int | bool | None
Row = tuple[Value, ...]

# The seven units tickets are dispatched to, with their share of dispatches.
DEPARTMENTS: tuple[tuple[str, str, str, float], ...] = (
    ("city.urban", "市城市管理局", "city", 0.30),
    ("city.housing", "市住房和城乡建设局", "city", 0.20),
    ("city.market", "市市场监督管理局", "city", 0.15),
    ("city.ecology", "市生态环境局", "city", 0.10),
    ("city.hrss", "市人力资源和社会保障局", "city", 0.08),
    ("district.east", "东城区人民政府", "district", 0.09),
    ("district.west", "西城区人民政府", "district", 0.08),
)

_CATEGORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("consult", 0.34),
    ("complaint", 0.25),
    ("help", 0.20),
    ("suggestion", 0.08),
    ("other", 0.06),
    ("report", 0.05),
    ("praise", 0.02),
)
_CALENDAR_DAYS = {c.value: -(-c.time_limit_workdays * 7 // 5) for c in Category}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_PLACES = ("小区", "路口", "菜市场", "公交站", "学校门口", "社区医院", "地铁站", "商场", "公园", "工地")
_STREETS = ("和平街道", "新华街道", "金桥街道", "东风路", "人民路", "解放路", "建设大街", "滨江路")
_ISSUES = {
    "consult": ("医保报销流程", "公积金提取条件", "落户政策", "办理居住证所需材料", "社保转移接续"),
    "complaint": ("夜间施工噪音扰民", "餐馆油烟直排", "物业乱收费", "占道经营", "出租车拒载"),
    "help": ("路灯损坏", "井盖缺失", "楼道漏水", "老人走失求助", "停水未通知"),
    "suggestion": ("增设公交线路", "增加便民停车位", "延长图书馆开放时间", "设置无障碍通道"),
    "other": ("反映其他问题", "咨询热线使用方法", "转达市民意见"),
    "report": ("无证经营", "违法建设", "非法排污", "销售过期食品"),
    "praise": ("表扬社区工作人员", "感谢城管队员", "表扬窗口服务"),
}
_SENTENCES = (
    "市民来电反映该问题已持续较长时间，",
    "周边居民多次向有关部门反映但未得到解决，",
    "来电人表示对此非常不满，",
    "希望相关部门尽快核实处理并给予答复，",
    "问题发生在工作日晚间及周末，",
    "来电人已拍照留存相关证据，",
    "涉及居民约二十户，",
    "来电人要求反馈处理结果。",
    "来电人情绪较为激动，",
    "经坐席核实，该地址属于本市管辖范围，",
    "此前已有类似工单，",
    "来电人同意接受回访。",
)
_SATISFACTION = ("very_satisfied", "satisfied", "satisfied", "basically_satisfied", "unsatisfied")


def fmt_ts(us: int) -> str:
    """Microseconds since the epoch (UTC) as SQLAlchemy's SQLite ``DateTime`` text."""
    days, rem = divmod(us, DAY)
    secs, micro = divmod(rem, US)
    hours, rem = divmod(secs, 3600)
    minutes, seconds = divmod(rem, 60)
    return f"{_day(days)} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"


_DAY_CACHE: dict[int, str] = {}


def _day(days: int) -> str:
    text = _DAY_CACHE.get(days)
    if text is None:
        text = _DAY_CACHE[days] = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return text


def _iso_utc(us: int) -> str:
    return fmt_ts(us).replace(" ", "T") + "+00:00"


def _shanghai_day_end(us: int) -> int:
    """The end of the Beijing calendar day containing ``us`` (16:00 UTC), like ``due_for`` deadlines."""
    local = us + _SHANGHAI_OFFSET
    return (local // DAY + 1) * DAY - _SHANGHAI_OFFSET


def phone_of(index: int) -> str:
    """The ``index``-th number of the caller pool, normalised (``+861…``); distinct for distinct indexes."""
    prefix = "3589"[index % 4]
    return f"+861{prefix}{(index // 4 * 7919 + 12345) % 1_000_000_000:09d}"


@dataclass
class Batch:
    """Rows of a slice of tickets, ready for one COPY / executemany per table."""

    tickets: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


@dataclass
class Stats:
    """What the generator produced."""

    tickets: int = 0
    assignments: int = 0
    events: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    phones: set[int] = field(default_factory=set)


class Dataset:
    """``n`` tickets from ``seed``: the reference rows and the ticket batches (in ``created_at`` order)."""

    def __init__(self, n: int, seed: int = 12345) -> None:
        self.n = n
        self.seed = seed
        self.now_us = ANCHOR_US
        self.phone_pool = max(1000, n // 5)
        ref = random.Random(f"{seed}:reference")
        self.department_ids = [f"{ref.getrandbits(128):032x}" for _ in DEPARTMENTS]
        self.agent_ids = [f"{ref.getrandbits(128):032x}" for _ in range(24)]
        self.supervisor_ids = [f"{ref.getrandbits(128):032x}" for _ in range(4)]
        self.unit_user_ids = [f"{ref.getrandbits(128):032x}" for _ in DEPARTMENTS]
        self.admin_id = f"{ref.getrandbits(128):032x}"
        self.stats = Stats()

    # -- what the benchmark queries for ------------------------------------------------------------
    @property
    def bench_phone(self) -> str:
        """A repeat caller's number (about 65 tickets at any N)."""
        return phone_of(int(self.phone_pool * 0.0015))

    @property
    def bench_department(self) -> str:
        """Code of the busiest unit."""
        return DEPARTMENTS[0][0]

    # -- reference rows ----------------------------------------------------------------------------
    def department_rows(self) -> list[Row]:
        created = fmt_ts(self.now_us - 400 * DAY)
        return [
            (dept_id, code, name, level, None, True, created)
            for dept_id, (code, name, level, _share) in zip(self.department_ids, DEPARTMENTS, strict=True)
        ]

    def user_rows(self) -> list[Row]:
        created = fmt_ts(self.now_us - 400 * DAY)
        rows: list[Row] = []
        for i, user_id in enumerate(self.agent_ids, 1):
            rows.append((user_id, f"agent{i:02d}", f"坐席{i:02d}", "agent", None, "!", True, created))
        for i, user_id in enumerate(self.supervisor_ids, 1):
            rows.append(
                (user_id, f"supervisor{i:02d}", f"值班长{i:02d}", "supervisor", None, "!", True, created)
            )
        for (code, name, _level, _share), dept_id, user_id in zip(
            DEPARTMENTS, self.department_ids, self.unit_user_ids, strict=True
        ):
            rows.append((user_id, f"unit.{code}", name, "department", dept_id, "!", True, created))
        rows.append((self.admin_id, "admin", "管理员", "admin", None, "!", True, created))
        return rows

    # -- tickets -----------------------------------------------------------------------------------
    def _created_times(self, rng: random.Random) -> list[int]:
        """``n`` creation instants over the last 365 days, sorted; busier weekdays and daytime."""
        start = self.now_us - 365 * DAY
        out: list[int] = []
        while len(out) < self.n:
            day = int(rng.random() * 365)
            local_day = (start + day * DAY + _SHANGHAI_OFFSET) // DAY
            weekend = (local_day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
            if weekend and rng.random() < 0.45:
                continue
            if rng.random() < 0.85:
                second = int(rng.uniform(8 * 3600, 21 * 3600))
            else:
                second = int(rng.random() * 86400)
            instant = local_day * DAY - _SHANGHAI_OFFSET + second * US + int(rng.random() * US)
            if start <= instant < self.now_us:
                out.append(instant)
        out.sort()
        return out

    def batches(self, size: int = 50_000) -> Iterator[Batch]:
        """All tickets with their assignments and events, ``size`` tickets per batch."""
        rng = random.Random(f"{self.seed}:tickets")
        created_times = self._created_times(rng)
        categories = [c for c, _ in _CATEGORY_WEIGHTS]
        category_weights = [w for _, w in _CATEGORY_WEIGHTS]
        dept_indexes = list(range(len(DEPARTMENTS)))
        dept_weights = [d[3] for d in DEPARTMENTS]
        day_counter: dict[str, int] = {}
        batch = Batch()
        for created in created_times:
            self._ticket(
                rng, created, batch, day_counter, categories, category_weights, dept_indexes, dept_weights
            )
            if len(batch.tickets) >= size:
                yield batch
                batch = Batch()
        if batch.tickets:
            yield batch

    def _ticket(
        self,
        rng: random.Random,
        created: int,
        batch: Batch,
        day_counter: dict[str, int],
        categories: list[str],
        category_weights: list[float],
        dept_indexes: list[int],
        dept_weights: list[float],
    ) -> None:
        now = self.now_us
        stats = self.stats
        ticket_id = f"{rng.getrandbits(128):032x}"
        local_day = _day((created + _SHANGHAI_OFFSET) // DAY).replace("-", "")
        seq = day_counter.get(local_day, 0) + 1
        day_counter[local_day] = seq
        number = f"{local_day}-{seq:06d}"
        category = rng.choices(categories, category_weights)[0]
        channel_r = rng.random()
        channel = (
            "phone"
            if channel_r < 0.82
            else "web"
            if channel_r < 0.95
            else "sms"
            if channel_r < 0.99
            else "fax"
        )
        urgency_r = rng.random()
        urgency = "normal" if urgency_r < 0.93 else "urgent" if urgency_r < 0.99 else "critical"
        issue = rng.choice(_ISSUES[category])
        street = rng.choice(_STREETS)
        place = rng.choice(_PLACES)
        title = f"{street}{place}{issue}"
        content = f"{street}{place}{issue}。" + "".join(rng.sample(_SENTENCES, rng.randint(3, 6)))
        summary = f"{issue}，请核实处理。" if rng.random() < 0.5 else None
        location = f"{street}{rng.randint(1, 300)}号{place}"
        phone_index: int | None = None
        if rng.random() < 0.95:
            phone_index = int(self.phone_pool * rng.random() ** 2)
            stats.phones.add(phone_index)
        caller_phone = phone_of(phone_index) if phone_index is not None else None
        caller_name = (
            f"{rng.choice(_SURNAMES)}{'先生' if rng.random() < 0.5 else '女士'}"
            if rng.random() < 0.8
            else None
        )
        caller_address = (
            f"{street}{rng.randint(1, 99)}栋{rng.randint(101, 2802)}室" if rng.random() < 0.3 else None
        )
        confidential = rng.random() < 0.03
        call_id = f"call-{rng.getrandbits(48):012x}" if channel == "phone" else None
        agent = rng.choice(self.agent_ids)
        created_s = fmt_ts(created)

        handling_kind = "time_limited"
        extension_pending = False
        supervised = False
        redo_count = 0
        knowledge_ref: str | None = None
        promised_date: str | None = None
        dispatched_at: str | None = None
        due_at_us: int | None = None
        satisfaction: str | None = None
        closed_at: str | None = None
        register_payload = json.dumps({"channel": channel, "category": category})
        events: list[Row] = []
        ev = events.append

        r = rng.random()
        if r < 0.003:
            status = "draft"
            ev((ticket_id, created_s, agent, "agent", "create", None, "draft", None, register_payload))
        else:
            ev((ticket_id, created_s, agent, "agent", "register", None, "registered", None, register_payload))
            direct_share = 0.55 if category in ("consult", "praise", "other") else 0.08
            if r < 0.033:
                at = created + int(rng.uniform(60, 1800) * US)
                if at < now:
                    status = "rejected"
                    ev(
                        (
                            ticket_id,
                            fmt_ts(at),
                            agent,
                            "agent",
                            "reject",
                            "registered",
                            "rejected",
                            "不属于受理范围",
                            "{}",
                        )
                    )
                else:
                    status = "registered"
            elif rng.random() < direct_share:
                answered = created + int(rng.uniform(120, 1800) * US)
                if answered >= now:
                    status = "registered"
                else:
                    knowledge_ref = f"KB-{rng.randint(1, 5000):05d}"
                    closed_at = fmt_ts(answered)
                    ev(
                        (
                            ticket_id,
                            closed_at,
                            agent,
                            "agent",
                            "answer_directly",
                            "registered",
                            "completed",
                            None,
                            json.dumps({"knowledge_ref": knowledge_ref}),
                        )
                    )
                    callback = answered + int(rng.uniform(1, 3) * DAY)
                    if callback < now:
                        status = "archived"
                        satisfaction = rng.choice(_SATISFACTION)
                        ev(
                            (
                                ticket_id,
                                fmt_ts(callback),
                                agent,
                                "agent",
                                "callback",
                                "completed",
                                "archived",
                                None,
                                json.dumps(
                                    {"satisfaction": satisfaction, "result_satisfaction": satisfaction}
                                ),
                            )
                        )
                    else:
                        status = "completed"
            else:
                dispatched = created + int(rng.expovariate(1 / 3) * HOUR) + 5 * 60 * US
                if dispatched >= now:
                    status = "pending_instruction" if rng.random() < 0.05 else "registered"
                else:
                    status = self._dispatched(
                        rng,
                        ticket_id,
                        category,
                        agent,
                        created,
                        dispatched,
                        batch,
                        ev,
                        dept_indexes,
                        dept_weights,
                    )
                    dispatched_at = fmt_ts(dispatched)
                    if status != "returned":
                        due_at_us = _shanghai_day_end(dispatched + _CALENDAR_DAYS[category] * DAY)
                    if status == "promised":
                        handling_kind = "promised"
                        promised_date = _day((now + _SHANGHAI_OFFSET) // DAY + rng.randint(3, 30))
                    if status in OPEN:
                        supervised = rng.random() < 0.03
                        extension_pending = status == "in_progress" and rng.random() < 0.02
                    if status in ("completed", "archived"):
                        closed_at = str(events[-1][1]) if status == "completed" else str(events[-2][1])
                    if status == "archived":
                        satisfaction = rng.choice(_SATISFACTION)
                        redo_count = 1 if rng.random() < 0.02 else 0
        if status in OPEN and due_at_us is not None and due_at_us < now:
            stats.overdue += 1
        updated_at = str(events[-1][1])
        batch.tickets.append(
            (
                ticket_id,
                number,
                len(events),
                channel,
                status,
                category,
                urgency,
                title,
                content,
                summary,
                location,
                caller_name,
                caller_phone,
                caller_address,
                confidential,
                handling_kind,
                extension_pending,
                supervised,
                redo_count,
                knowledge_ref,
                promised_date,
                dispatched_at,
                fmt_ts(due_at_us) if due_at_us is not None else None,
                False,
                satisfaction,
                satisfaction,
                call_id,
                None,
                agent,
                created_s,
                updated_at,
                closed_at,
            )
        )
        batch.events.extend(events)
        stats.tickets += 1
        stats.events += len(events)
        stats.statuses[status] += 1

    def _dispatched(
        self,
        rng: random.Random,
        ticket_id: str,
        category: str,
        agent: str,
        created: int,
        dispatched: int,
        batch: Batch,
        ev: Callable[[Row], None],
        dept_indexes: list[int],
        dept_weights: list[float],
    ) -> str:
        """Events and assignments of a dispatched ticket; returns its status at ``now``."""
        now = self.now_us
        lead = rng.choices(dept_indexes, dept_weights)[0]
        unit_user = self.unit_user_ids[lead]
        dispatched_s = fmt_ts(dispatched)
        if rng.random() < 0.015:  # returned once by another unit, then re-dispatched (改派)
            other = (lead + rng.randint(1, len(DEPARTMENTS) - 1)) % len(DEPARTMENTS)
            first = created + (dispatched - created) // 2
            self._assign(rng, batch, ticket_id, other, "lead", False, fmt_ts(first), None, dispatched_s)
        limit_days = _CALENDAR_DAYS[category]
        if rng.random() < 0.012:
            handling = 10**15  # stuck: never replied
        else:
            handling = int(rng.expovariate(1 / (0.6 * limit_days)) * DAY) + HOUR
        accepted = dispatched + int(rng.uniform(0.2, 8) * HOUR)
        replied = dispatched + handling
        closed = replied + int(rng.uniform(2, 24) * HOUR)
        callback = closed + int(rng.uniform(1, 3) * DAY)
        returned = now > accepted and replied > now and rng.random() < 0.01
        co = rng.random() < 0.05
        accepted_s = fmt_ts(accepted) if accepted < now else None
        active = not returned
        ended = fmt_ts(accepted + HOUR) if returned else None
        self._assign(rng, batch, ticket_id, lead, "lead", active, dispatched_s, accepted_s, ended)
        if co:
            other = (lead + rng.randint(1, len(DEPARTMENTS) - 1)) % len(DEPARTMENTS)
            self._assign(rng, batch, ticket_id, other, "co", active, dispatched_s, None, ended)
        payload = {
            "lead_department": DEPARTMENTS[lead][0],
            "co_departments": [],
            "due_at": _iso_utc(_shanghai_day_end(dispatched + limit_days * DAY)),
            "due_provisional": False,
        }
        ev(
            (
                ticket_id,
                dispatched_s,
                agent,
                "agent",
                "dispatch",
                "registered",
                "dispatched",
                None,
                json.dumps(payload),
            )
        )
        if accepted >= now:
            return "dispatched"
        if returned:
            ev(
                (
                    ticket_id,
                    ended,
                    unit_user,
                    "department",
                    "return",
                    "dispatched",
                    "returned",
                    "非本单位职责",
                    "{}",
                )
            )
            return "returned"
        if replied >= now:
            promised = rng.random() < 0.08
            to_status = "promised" if promised else "in_progress"
            ev(
                (
                    ticket_id,
                    accepted_s,
                    unit_user,
                    "department",
                    "accept",
                    "dispatched",
                    to_status,
                    None,
                    "{}",
                )
            )
            return to_status
        if closed >= now:
            ev(
                (
                    ticket_id,
                    fmt_ts(replied),
                    unit_user,
                    "department",
                    "reply",
                    "in_progress",
                    "replied",
                    None,
                    "{}",
                )
            )
            return "replied"
        ev((ticket_id, fmt_ts(closed), agent, "agent", "close", "replied", "completed", None, "{}"))
        if callback >= now:
            return "completed"
        satisfaction = rng.choice(_SATISFACTION)
        ev(
            (
                ticket_id,
                fmt_ts(callback),
                agent,
                "agent",
                "callback",
                "completed",
                "archived",
                None,
                json.dumps({"satisfaction": satisfaction, "result_satisfaction": satisfaction}),
            )
        )
        return "archived"

    def _assign(
        self,
        rng: random.Random,
        batch: Batch,
        ticket_id: str,
        dept: int,
        role: str,
        active: bool,
        assigned_at: str,
        accepted_at: str | None,
        ended_at: str | None,
    ) -> None:
        batch.assignments.append(
            (
                f"{rng.getrandbits(128):032x}",
                ticket_id,
                self.department_ids[dept],
                role,
                active,
                assigned_at,
                accepted_at,
                ended_at,
            )
        )
        self.stats.assignments += 1


def anchor_offset(days: float) -> datetime:
    """``ANCHOR`` minus ``days`` (aware)."""
    return ANCHOR - timedelta(days=days)
