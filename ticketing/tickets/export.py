"""Streaming export of tickets (CSV or JSON lines/array) for archives and other systems (R-REC)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.departments.models import Department
from ticketing.tickets.models import Ticket, TicketAssignment
from ticketing.tickets.schemas import TicketQuery
from ticketing.tickets.service import TicketService

EXPORT_FIELDS = (
    "number",
    "status",
    "category",
    "channel",
    "urgency",
    "title",
    "content",
    "summary",
    "location",
    "caller_name",
    "caller_phone",
    "caller_address",
    "confidential",
    "lead_department",
    "handling_kind",
    "redo_count",
    "dispatched_at",
    "due_at",
    "due_provisional",
    "satisfaction",
    "result_satisfaction",
    "created_at",
    "closed_at",
)


def count_for_export(session: Session, query: TicketQuery) -> int:
    """How many tickets :func:`iter_export_rows` will yield."""
    stmt = TicketService(session).filtered(query)
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def iter_export_rows(session: Session, query: TicketQuery, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Tickets matching ``query`` as flat dicts, oldest first, streamed in batches."""
    lead = (
        select(Department.code)
        .join(TicketAssignment, TicketAssignment.department_id == Department.id)
        .where(
            TicketAssignment.ticket_id == Ticket.id,
            TicketAssignment.role == "lead",
            TicketAssignment.active.is_(True),
        )
        .limit(1)
        .scalar_subquery()
    )
    base = TicketService(session).filtered(query).subquery()
    stmt = (
        select(Ticket, lead.label("lead_department"))
        .join(base, base.c.id == Ticket.id)
        .order_by(Ticket.created_at, Ticket.number)
        .execution_options(yield_per=batch)
    )
    for ticket, lead_code in session.execute(stmt):
        row = {name: getattr(ticket, name, None) for name in EXPORT_FIELDS}
        row["lead_department"] = lead_code
        yield {k: _plain(v) for k, v in row.items()}


def write_export(
    rows: Iterator[dict[str, Any]], out: IO[str], fmt: str, on_row: Callable[[], None] | None = None
) -> int:
    """Write ``rows`` as ``csv`` or ``json`` (one array) to ``out``; return the number written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
            if on_row:
                on_row()
    elif fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
            count += 1
            if on_row:
                on_row()
        out.write("\n]\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return count


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
