"""Persistence: SQLAlchemy 2.0 ORM models, engine/session factory, Alembic migrations."""
