"""Alembic environment: the URL comes from the config built by :func:`ticketing.db.migrate.alembic_config`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ticketing.db.tables import METADATA

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by ticketing.db.migrate"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=METADATA, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
