"""Who may see which ticket and which caller identity (R-PRIV), and the audit of identity reads.

- A ``department`` user sees only tickets its unit is actively assigned to.
- A ``department`` user never sees the identity of a caller who asked for 保密, nor of a 举报 reporter
  (the accused unit must never learn who reported it).
- Lists show identities masked for everyone; the full identity comes only with a single-ticket read,
  and every such read writes an :class:`~ticketing.tickets.models.AuditRecord`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.categories import Category
from ticketing.phone import mask_phone
from ticketing.tickets.lifecycle import Role
from ticketing.tickets.models import AuditRecord, Ticket, TicketAssignment
from ticketing.tickets.schemas import CallerOut


def restrict_to_visible(stmt: Select[Ticket], actor: Actor) -> Select[Ticket]:
    """Limit a ticket query to what ``actor`` may see."""
    if actor.role is not Role.DEPARTMENT:
        return stmt
    return stmt.where(
        exists(
            select(TicketAssignment.id).where(
                TicketAssignment.ticket_id == Ticket.id,
                TicketAssignment.department_id == actor.department_id,
                TicketAssignment.active.is_(True),
            )
        )
    )


def can_see(ticket: Ticket, actor: Actor) -> bool:
    """Whether ``actor`` may read ``ticket`` at all."""
    if actor.role is not Role.DEPARTMENT:
        return True
    return any(a.active and a.department_id == actor.department_id for a in ticket.assignments)


def identity_withheld(ticket: Ticket, actor: Actor) -> bool:
    """Whether the caller's identity must be withheld from ``actor`` entirely (R-PRIV, R-ID)."""
    return actor.role is Role.DEPARTMENT and (ticket.confidential or ticket.category == Category.REPORT)


def caller_view(ticket: Ticket, actor: Actor, *, full: bool) -> CallerOut:
    """The caller block of a ticket for ``actor``; ``full`` for single-ticket reads."""
    has_identity = bool(ticket.caller_name or ticket.caller_phone or ticket.caller_address)
    if identity_withheld(ticket, actor):
        return CallerOut(name=None, phone=None, address=None, confidential=ticket.confidential, masked=True)
    if not full:
        return CallerOut(
            name=_mask_name(ticket.caller_name),
            phone=mask_phone(ticket.caller_phone) if ticket.caller_phone else None,
            address=None,
            confidential=ticket.confidential,
            masked=has_identity,
        )
    return CallerOut(
        name=ticket.caller_name,
        phone=ticket.caller_phone,
        address=ticket.caller_address,
        confidential=ticket.confidential,
        masked=False,
    )


def audit_identity_read(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> None:
    """Record that ``actor`` saw the caller identity of ``ticket``."""
    if ticket.caller_name or ticket.caller_phone or ticket.caller_address:
        session.add(
            AuditRecord(
                at=now,
                user_id=actor.user_id,
                ticket_id=ticket.id,
                what="caller_identity",
                detail=f"{actor.role.value}:{actor.username}",
            )
        )


def audit_caller_search(session: Session, phone: str, actor: Actor, now: datetime) -> None:
    """Record that ``actor`` searched tickets by a caller's phone number."""
    session.add(
        AuditRecord(
            at=now,
            user_id=actor.user_id,
            ticket_id=None,
            what="caller_search",
            detail=f"{actor.role.value}:{actor.username}:{phone}",
        )
    )


def _mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)
