"""The benchmark's list queries written by hand: driver-level SQL on a raw DBAPI connection.

Each :class:`~ticketing.tickets.schemas.TicketQuery` is translated into the same filters the service layer
builds (``TicketService.filtered``), with the same order and paging, and fetched the way a hand-written
data layer would: one ``count(*)``, one page of ticket rows, and one query for the page's assignments
joined with their departments. Rows come back as plain tuples; nothing is converted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from ticketing.tickets.lifecycle import OPEN_STATUSES
from ticketing.tickets.schemas import TicketQuery

PAGE_COLUMNS = (
    "id, number, version, channel, status, category, urgency, title, content, summary, location, "
    "caller_name, caller_phone, caller_address, confidential, handling_kind, extension_pending, supervised, "
    "redo_count, knowledge_ref, promised_date, dispatched_at, due_at, due_provisional, satisfaction, "
    "result_satisfaction, call_id, draft_id, created_by, created_at, updated_at, closed_at"
)
_ORDER = " ORDER BY t.created_at DESC, t.number DESC"
_OPEN = sorted(s.value for s in OPEN_STATUSES)


@dataclass
class RawResult:
    """What one raw list call fetched."""

    total: int
    page: list[tuple[Any, ...]]
    assignments: list[tuple[Any, ...]]

    def ids(self) -> list[uuid.UUID]:
        return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v, *_ in self.page]


@dataclass(frozen=True)
class Statement:
    """Driver-level SQL and its parameters."""

    sql: str
    params: tuple[Any, ...]


class RawRunner:
    """Runs :class:`TicketQuery` filters as hand-written SQL on one checked-out DBAPI connection."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.postgres = engine.dialect.name == "postgresql"
        self._fairy = engine.raw_connection()
        self._conn: Any = self._fairy.dbapi_connection
        self._now = now
        self._ph = "%s" if self.postgres else "?"

    def close(self) -> None:
        self._fairy.close()

    # -- parameter formats -------------------------------------------------------------------------
    def _ts(self, value: datetime) -> Any:
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive if self.postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")

    def _uuid(self, value: Any) -> Any:
        if self.postgres:
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return value.hex if isinstance(value, uuid.UUID) else str(value)

    def _marks(self, n: int) -> str:
        return ", ".join([self._ph] * n)

    # -- SQL ---------------------------------------------------------------------------------------
    def where(self, cur: Any, query: TicketQuery) -> tuple[str, list[Any]]:
        """``WHERE`` clause and parameters of ``query`` (resolving a department code costs one query)."""
        clauses: list[str] = []
        params: list[Any] = []
        if query.status:
            clauses.append(f"t.status IN ({self._marks(len(query.status))})")
            params += [s.value for s in query.status]
        if query.category:
            clauses.append(f"t.category IN ({self._marks(len(query.category))})")
            params += [c.value for c in query.category]
        if query.caller_phone:
            clauses.append(f"t.caller_phone = {self._ph}")
            params.append(query.caller_phone)
        if query.created_from:
            clauses.append(f"t.created_at >= {self._ph}")
            params.append(self._ts(query.created_from))
        if query.created_to:
            clauses.append(f"t.created_at < {self._ph}")
            params.append(self._ts(query.created_to))
        if query.department:
            cur.execute(f"SELECT id FROM departments WHERE code = {self._ph}", (query.department,))
            found = cur.fetchone()
            department_id = found[0] if found else None
            clauses.append(
                "t.id IN (SELECT a.ticket_id FROM ticket_assignments a "
                f"WHERE a.department_id = {self._ph} AND a.active IS {'true' if self.postgres else '1'})"
            )
            params.append(department_id)
        if query.overdue is True:
            clauses.append(f"t.status IN ({self._marks(len(_OPEN))}) AND t.due_at < {self._ph}")
            params += [*_OPEN, self._ts(self._now)]
        elif query.overdue is False:
            clauses.append(
                f"(t.due_at IS NULL OR t.due_at >= {self._ph} OR t.status NOT IN ({self._marks(len(_OPEN))}))"
            )
            params += [self._ts(self._now), *_OPEN]
        if query.due_within_hours:
            raise NotImplementedError("due_within_hours is not part of the benchmark")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count_statement(self, where: str, params: Sequence[Any]) -> Statement:
        return Statement(f"SELECT count(*) FROM tickets t{where}", tuple(params))

    def page_statement(self, where: str, params: Sequence[Any], query: TicketQuery) -> Statement:
        return Statement(
            f"SELECT {PAGE_COLUMNS} FROM tickets t{where}{_ORDER} LIMIT {self._ph} OFFSET {self._ph}",
            (*params, query.page_size, (query.page - 1) * query.page_size),
        )

    # -- running -----------------------------------------------------------------------------------
    def count(self, query: TicketQuery) -> int:
        cur = self._conn.cursor()
        try:
            where, params = self.where(cur, query)
            st = self.count_statement(where, params)
            cur.execute(st.sql, st.params)
            return int(cur.fetchone()[0])
        finally:
            cur.close()
            self._end()

    def page(self, query: TicketQuery) -> RawResult:
        """The page of ``query`` with its assignments, without the total."""
        cur = self._conn.cursor()
        try:
            where, params = self.where(cur, query)
            return RawResult(-1, *self._page(cur, where, params, query))
        finally:
            cur.close()
            self._end()

    def find(self, query: TicketQuery) -> RawResult:
        """Total, page and the page's assignments, like ``TicketService.find``."""
        cur = self._conn.cursor()
        try:
            where, params = self.where(cur, query)
            st = self.count_statement(where, params)
            cur.execute(st.sql, st.params)
            total = int(cur.fetchone()[0])
            return RawResult(total, *self._page(cur, where, params, query))
        finally:
            cur.close()
            self._end()

    def _page(
        self, cur: Any, where: str, params: list[Any], query: TicketQuery
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        st = self.page_statement(where, params, query)
        cur.execute(st.sql, st.params)
        rows: list[tuple[Any, ...]] = cur.fetchall()
        assignments: list[tuple[Any, ...]] = []
        if rows:
            ids = [r[0] for r in rows]
            cur.execute(
                "SELECT a.id, a.ticket_id, a.department_id, a.role, a.active, a.assigned_at, a.accepted_at, "
                "a.ended_at, d.code, d.name FROM ticket_assignments a "
                "JOIN departments d ON d.id = a.department_id "
                f"WHERE a.ticket_id IN ({self._marks(len(ids))}) ORDER BY a.ticket_id, a.assigned_at",
                ids,
            )
            assignments = cur.fetchall()
        return rows, assignments

    def _end(self) -> None:
        if self.postgres:
            self._conn.rollback()  # close the read transaction, as the session does

    # -- plans -------------------------------------------------------------------------------------
    def explain(self, query: TicketQuery) -> list[str]:
        """Plans of the count and the page statement (PostgreSQL: ``EXPLAIN ANALYZE``)."""
        cur = self._conn.cursor()
        out: list[str] = []
        try:
            where, params = self.where(cur, query)
            for label, st in (
                ("count", self.count_statement(where, params)),
                ("page", self.page_statement(where, params, query)),
            ):
                out.append(f"-- {label}: {st.sql[:160]}{'…' if len(st.sql) > 160 else ''}")
                if self.postgres:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + st.sql, st.params)
                    out += [str(r[0]) for r in cur.fetchall()]
                else:
                    cur.execute("EXPLAIN QUERY PLAN " + st.sql, st.params)
                    depth: dict[int, int] = {0: 0}
                    for node_id, parent, _unused, detail in cur.fetchall():
                        depth[node_id] = depth.get(parent, 0) + 1
                        out.append("  " * depth[node_id] + str(detail))
        finally:
            cur.close()
            self._end()
        return out
