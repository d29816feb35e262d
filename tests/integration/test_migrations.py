"""Alembic migrations on SQLite and PostgreSQL: they build exactly the schema the ORM models describe."""

from __future__ import annotations

import uuid
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from ticketing.db.migrate import alembic_config, current_tables, upgrade
from ticketing.db.tables import METADATA

MODEL_TABLES = set(METADATA.tables)


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _schema_diffs(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diffs: list[Any] = compare_metadata(MigrationContext.configure(conn), METADATA)
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


INSERT_CALL = (
    "INSERT INTO calls (id, channel_id, started_at, menu_path, live_segments) "
    "VALUES (:id, 'c.1', :now, '[]', '[]')"
)
INSERT_DRAFT = (
    "INSERT INTO ticket_drafts (id, call_id, status, asr_status, fields, asr_attempts, created_at, "
    "updated_at) VALUES (:id, :call, 'open', 'none', '{}', 0, :now, :now)"
)
INSERT_TICKET = (
    "INSERT INTO tickets (id, number, version, channel, status, category, urgency, title, content, "
    "confidential, handling_kind, extension_pending, supervised, redo_count, due_provisional, call_id, "
    "draft_id, created_at, updated_at) VALUES (:id, :number, 1, 'phone', 'registered', 'complaint', "
    "'normal', 't', 'c', false, 'time_limited', false, false, 0, false, :call, :draft, :now, :now)"
)


def test_ticket_links_to_calls_and_drafts_become_foreign_keys(db_url: str) -> None:
    """0011: a ticket that named an existing call and draft keeps both links; other values are cleared."""
    upgrade(db_url, "0010")
    engine = create_engine(db_url)
    call, draft = uuid.uuid4(), uuid.uuid4()
    stored = (lambda u: u.hex) if db_url.startswith("sqlite") else str  # sqlite keeps sa.Uuid as hex
    now = "2026-12-01 08:00:00"
    try:
        with engine.begin() as conn:
            conn.execute(text(INSERT_CALL), {"id": stored(call), "now": now})
            conn.execute(text(INSERT_DRAFT), {"id": stored(draft), "call": stored(call), "now": now})
            for number, call_ref, draft_ref in (
                ("T-1", str(call), str(draft)),
                ("T-2", "x", str(uuid.uuid4())),
            ):
                values = {"id": stored(uuid.uuid4()), "number": number, "call": call_ref, "draft": draft_ref}
                conn.execute(text(INSERT_TICKET), {**values, "now": now})
        upgrade(db_url)
        with engine.connect() as conn:
            rows = {
                n: (c, d) for n, c, d in conn.execute(text("SELECT number, call_id, draft_id FROM tickets"))
            }
    finally:
        engine.dispose()
    assert [str(uuid.UUID(str(v))) for v in rows["T-1"]] == [str(call), str(draft)]
    assert rows["T-2"] == (None, None)
