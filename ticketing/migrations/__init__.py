"""Alembic migrations of the ticketing schema; run with ``hotline db upgrade``."""
