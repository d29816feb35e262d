"""Alembic migrations on SQLite and PostgreSQL: they build exactly the schema the ORM models describe."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from ticketing.db.base import Base
from ticketing.db.migrate import alembic_config, current_tables, upgrade

MODEL_TABLES = set(Base.metadata.tables)


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _schema_diffs(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diffs: list[Any] = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            return diffs
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _index_names(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        return {t: {i["name"] for i in inspector.get_indexes(t)} for t in inspector.get_table_names()}
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table(db_url: str) -> None:
    assert current_tables(db_url) == []
    upgrade(db_url)
    assert set(current_tables(db_url)) == MODEL_TABLES | {"alembic_version"}
    assert _revision(db_url) == _head()


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO calendar_years (year, note) VALUES (2027, 'kept')"))
    finally:
        engine.dispose()
    before = (current_tables(db_url), _index_names(db_url))

    upgrade(db_url)

    assert (current_tables(db_url), _index_names(db_url)) == before
    assert _revision(db_url) == _head()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT note FROM calendar_years")).scalars().all() == ["kept"]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    # No filtering: columns, types, nullability, indexes, unique constraints and foreign keys must
    # all agree. (The custom UTCDateTime compares by its DateTime impl, so no type noise arises.)
    upgrade(db_url)
    assert _schema_diffs(db_url) == []


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    assert set(current_tables(db_url)) <= {"alembic_version"}
    assert _revision(db_url) is None

    upgrade(db_url)
    assert set(current_tables(db_url)) == MODEL_TABLES | {"alembic_version"}
    assert _schema_diffs(db_url) == []


def test_upgrade_creates_the_sqlite_folder(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/nested/deeper/hotline.sqlite3"
    upgrade(url)
    assert (tmp_path / "nested" / "deeper" / "hotline.sqlite3").is_file()
    assert set(current_tables(url)) == MODEL_TABLES | {"alembic_version"}
