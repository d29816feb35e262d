"""The list benchmark's generator, with the full event chain the statistics replay needs.

:class:`bench.datagen.Dataset` writes what the ticket *list* needs: for a ticket that was dispatched and
then closed it stores ``dispatch``, ``close`` and ``callback`` only (the unit's 签收 and 回复 are
skipped to keep the load small), and a ``replied`` ticket has a ``reply`` but no ``accept``. Replayed by
:mod:`ticketing.statistics.timeline` that would make almost every dispatched ticket a late response and an
overdue episode. :class:`StatsDataset` emits the chain the app itself writes — ``dispatch`` → ``accept``
→ (``promise``) → ``reply`` → ``close`` → ``callback`` with its satisfaction payload — using the *same*
random draws in the same order, so tickets, assignments, numbers and statuses are identical to the list
benchmark's data set for the same seed; only the event rows (and ``tickets.version``, the event count)
differ. ``bench/datagen.py`` itself is untouched, so the list benchmark's numbers do not move.

Times: 签收 happens at the generator's ``accepted`` instant, but never later than 30 minutes before the
reply (the base generator draws them independently, so a fast reply could precede the 签收).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from bench.datagen import _CALENDAR_DAYS, _SATISFACTION, DAY, DEPARTMENTS, HOUR, Batch, Dataset, Row, fmt_ts
from bench.datagen import _iso_utc as iso_utc
from bench.datagen import _shanghai_day_end as shanghai_day_end

_HALF_HOUR = HOUR // 2


class StatsDataset(Dataset):
    """:class:`Dataset` whose dispatched tickets carry 签收 / 承诺 / 回复 events as the app writes them."""

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
        """Same draws as :meth:`Dataset._dispatched` (keep the two in step), full event chain."""
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
            "due_at": iso_utc(shanghai_day_end(dispatched + limit_days * DAY)),
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
        accept_at = min(accepted, replied - _HALF_HOUR)  # replied >= dispatched + 1 h
        accept = (
            ticket_id,
            fmt_ts(accept_at),
            unit_user,
            "department",
            "accept",
            "dispatched",
            "in_progress",
            None,
            "{}",
        )
        ev(accept)
        if replied >= now:
            if rng.random() < 0.08:  # 承诺件: the promise (plan + date) follows the 签收
                promise_at = accept_at + min(HOUR, (now - accept_at) // 2)
                promised = {"promised_date": fmt_ts(now + 20 * DAY)[:10], "plan": "已制定整改计划"}
                ev(
                    (ticket_id, fmt_ts(promise_at), unit_user, "department", "promise", "in_progress",
                     "promised", None, json.dumps(promised, ensure_ascii=False))
                )  # fmt: skip
                return "promised"
            return "in_progress"
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
        if closed >= now:
            return "replied"
        ev((ticket_id, fmt_ts(closed), agent, "agent", "close", "replied", "completed", None, "{}"))
        if callback >= now:
            return "completed"
        satisfaction = rng.choice(_SATISFACTION)
        answers = json.dumps({"satisfaction": satisfaction, "result_satisfaction": satisfaction})
        ev((ticket_id, fmt_ts(callback), agent, "agent", "callback", "completed", "archived", None, answers))
        return "archived"
