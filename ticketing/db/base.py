"""The declarative base every ticketing table is declared on (the tables themselves live in the
feature folders; :mod:`ticketing.db.tables` imports them all)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every ticketing table."""
