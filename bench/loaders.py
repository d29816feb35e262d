"""Bulk loading of generated rows: PostgreSQL ``COPY`` (psycopg 3) and SQLite ``executemany``.

The schema (with its indexes) comes from the Alembic migration (``upgrade(url)``) before loading;
afterwards each sink gathers planner statistics (PostgreSQL ``VACUUM (ANALYZE)``, SQLite ``ANALYZE``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

from bench.datagen import (
    ASSIGNMENT_COLUMNS,
    DEPARTMENT_COLUMNS,
    EVENT_COLUMNS,
    TICKET_COLUMNS,
    USER_COLUMNS,
    Batch,
    Row,
)

TABLES = ("tickets", "ticket_events", "ticket_assignments", "departments", "users")


class Sink(Protocol):
    """Where generated rows go."""

    backend: str
    write_seconds: float

    def reference(self, departments: Sequence[Row], users: Sequence[Row]) -> None: ...

    def write(self, batch: Batch) -> None: ...

    def finish(self) -> float:
        """Commit and gather statistics; return the seconds the statistics took."""
        ...

    def sizes(self) -> dict[str, int]:
        """Bytes on disk: ``total`` plus one entry per table where the backend can tell."""
        ...

    def close(self) -> None: ...


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` as a libpq connection string."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresSink:
    """One transaction of ``COPY … FROM STDIN`` per table and batch; FK triggers off when allowed."""

    backend = "postgres"

    def __init__(self, url: str) -> None:
        self.write_seconds = 0.0
        self.fk_checks_skipped = False
        self._conn = psycopg.connect(libpq_url(url))
        with self._conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM tickets")
            row = cur.fetchone()
            if row is None or row[0]:
                raise RuntimeError("the tickets table is not empty; the benchmark needs an empty database")
            try:
                # Superusers can skip the per-row foreign-key triggers (the data is consistent by
                # construction); with a plain role the checks simply stay on.
                cur.execute("SET session_replication_role = replica")
                self.fk_checks_skipped = True
            except psycopg.Error:
                self._conn.rollback()
            cur.execute("SET maintenance_work_mem = '512MB'")

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        with (
            self._conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def reference(self, departments: Sequence[Row], users: Sequence[Row]) -> None:
        started = time.perf_counter()
        self._copy("departments", DEPARTMENT_COLUMNS, departments)
        self._copy("users", USER_COLUMNS, users)
        self.write_seconds += time.perf_counter() - started

    def write(self, batch: Batch) -> None:
        started = time.perf_counter()
        self._copy("tickets", TICKET_COLUMNS, batch.tickets)
        self._copy("ticket_assignments", ASSIGNMENT_COLUMNS, batch.assignments)
        self._copy("ticket_events", EVENT_COLUMNS, batch.events)
        self.write_seconds += time.perf_counter() - started

    def finish(self) -> float:
        started = time.perf_counter()
        self._conn.commit()
        self.write_seconds += time.perf_counter() - started
        started = time.perf_counter()
        self._conn.autocommit = True
        with self._conn.cursor() as cur:
            # VACUUM too: it sets the visibility map (index-only scans) and hint bits, so that
            # autovacuum does not wake up in the middle of the measurements.
            cur.execute("VACUUM (ANALYZE)")
        return time.perf_counter() - started

    def sizes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        with self._conn.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            row = cur.fetchone()
            out["total"] = int(row[0]) if row else 0
            for table in TABLES:
                cur.execute("SELECT pg_total_relation_size(%s::regclass)", (table,))
                row = cur.fetchone()
                out[table] = int(row[0]) if row else 0
        return out

    def server_version(self) -> str:
        with self._conn.cursor() as cur:
            cur.execute("SHOW server_version")
            row = cur.fetchone()
            return str(row[0]) if row else "?"

    def close(self) -> None:
        self._conn.close()


class SqliteSink:
    """``executemany`` in one big transaction with ``synchronous=OFF`` and a large page cache."""

    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self.write_seconds = 0.0
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None)
        row = self._conn.execute("SELECT count(*) FROM tickets").fetchone()
        if row is None or row[0]:
            raise RuntimeError("the tickets table is not empty; the benchmark needs an empty database")
        for pragma in (
            "PRAGMA synchronous=OFF",
            "PRAGMA journal_mode=MEMORY",
            "PRAGMA foreign_keys=OFF",
            "PRAGMA cache_size=-1048576",  # 1 GiB: the random-UUID indexes stay in memory
            "PRAGMA temp_store=MEMORY",
        ):
            self._conn.execute(pragma)
        self._conn.execute("BEGIN")

    @staticmethod
    def _insert(table: str, columns: Sequence[str]) -> str:
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def reference(self, departments: Sequence[Row], users: Sequence[Row]) -> None:
        started = time.perf_counter()
        self._conn.executemany(self._insert("departments", DEPARTMENT_COLUMNS), departments)
        self._conn.executemany(self._insert("users", USER_COLUMNS), users)
        self.write_seconds += time.perf_counter() - started

    def write(self, batch: Batch) -> None:
        started = time.perf_counter()
        self._conn.executemany(self._insert("tickets", TICKET_COLUMNS), batch.tickets)
        self._conn.executemany(self._insert("ticket_assignments", ASSIGNMENT_COLUMNS), batch.assignments)
        self._conn.executemany(self._insert("ticket_events", EVENT_COLUMNS), batch.events)
        self.write_seconds += time.perf_counter() - started

    def finish(self) -> float:
        started = time.perf_counter()
        self._conn.execute("COMMIT")
        self.write_seconds += time.perf_counter() - started
        started = time.perf_counter()
        self._conn.execute("ANALYZE")
        return time.perf_counter() - started

    def sizes(self) -> dict[str, int]:
        out = {"total": sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))}
        try:
            rows = self._conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name"  # needs SQLITE_ENABLE_DBSTAT_VTAB
            ).fetchall()
        except sqlite3.Error:
            return out
        indexes = dict(
            self._conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'").fetchall()
        )
        for name, size in rows:
            table = indexes.get(name, name)
            if table in TABLES:
                out[table] = out.get(table, 0) + int(size)
        return out

    def close(self) -> None:
        self._conn.close()
