"""The database fixtures reach real servers: PostgreSQL answers, and both backends store rows."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.mark.postgres
def test_pg_url_reaches_a_real_postgresql(pg_url: str) -> None:
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT version()").fetchone()
    assert row is not None
    assert "PostgreSQL 1" in row[0]


def test_db_url_stores_and_reads_a_row(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)"))
            conn.execute(text("INSERT INTO probe (id, name) VALUES (1, :name)"), {"name": "工单"})
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, name FROM probe")).all()
        assert [tuple(r) for r in rows] == [(1, "工单")]
    finally:
        engine.dispose()
