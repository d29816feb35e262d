"""Human-readable ticket numbers: Shanghai date + per-day sequence (``20261129-000042``).

The counter row is bumped with one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, so two
registrations at the same instant can never get the same number, on PostgreSQL or SQLite.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketing.tickets.models import TicketSequence

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_ticket_number(session: Session, now: datetime) -> str:
    """Reserve and return the next ticket number for ``now``'s Shanghai day."""
    day = now.astimezone(SHANGHAI).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt: Insert = insert_fn(TicketSequence).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[TicketSequence.day], set_={"last": TicketSequence.last + 1}
    ).returning(TicketSequence.last)
    last = session.execute(stmt).scalar_one()
    return f"{day}-{last:06d}"
