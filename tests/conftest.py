"""Shared test fixtures: database URLs for SQLite and a real, throw-away PostgreSQL.

PostgreSQL comes from ``HOTLINE_TEST_PG_URL`` if set (a SQLAlchemy URL whose database the tests may use to
create and drop scratch databases), otherwise from ``scripts/pg_ephemeral.sh``, which starts a private
cluster for the session and removes it at the end. If that cluster cannot start, the tests that need it
FAIL; they are never silently skipped.

``HOTLINE_TEST_NO_PG=1`` is an escape hatch for quick local runs only: tests marked ``postgres`` (and
any test asking for ``pg_url``) are skipped. CI never sets it; combining it with ``CI=true`` is refused.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = REPO_ROOT / "scripts" / "pg_ephemeral.sh"


def _no_pg() -> bool:
    return os.environ.get("HOTLINE_TEST_NO_PG") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if _no_pg() and os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        raise pytest.UsageError("HOTLINE_TEST_NO_PG=1 is for local runs only; CI must run PostgreSQL tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()) and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
    if not _no_pg():
        return
    skip = pytest.mark.skip(reason="HOTLINE_TEST_NO_PG=1 (local quick run; CI never skips these)")
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``needs_tools``: a missing program fails the test loudly (scripts/bootstrap.sh installs them all)."""
    for marker in item.iter_markers("needs_tools"):
        missing = [tool for tool in marker.args if shutil.which(tool) is None]
        if missing:
            pytest.fail(f"{', '.join(missing)} not installed: run scripts/bootstrap.sh (make test does)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop_cluster(data_dir: str) -> None:
    subprocess.run(["bash", str(PG_SCRIPT), "stop", data_dir], check=False, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a live PostgreSQL database (``hotline_test``) for the whole session."""
    if _no_pg():
        pytest.skip("HOTLINE_TEST_NO_PG=1")
    env_url = os.environ.get("HOTLINE_TEST_PG_URL")
    if env_url:
        yield env_url
        return

    url, data_dir = _start_cluster()
    try:
        yield url
    finally:
        _stop_cluster(data_dir)


def _start_cluster(attempts: int = 3) -> tuple[str, str]:
    """Start the private cluster; retry on a fresh port in case another process grabbed ours."""
    errors: list[str] = []
    for _ in range(attempts):
        data_dir = tempfile.mkdtemp(prefix="hotline-pg-")
        try:
            proc = subprocess.run(
                ["bash", str(PG_SCRIPT), "start", data_dir, str(_free_port())],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            _stop_cluster(data_dir)
            errors.append(f"timed out: {exc}")
            continue
        lines = proc.stdout.strip().splitlines()
        if proc.returncode == 0 and lines:
            return lines[-1], data_dir
        _stop_cluster(data_dir)
        errors.append(f"rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    pytest.fail(
        "could not start the throw-away PostgreSQL via scripts/pg_ephemeral.sh "
        "(run scripts/bootstrap.sh first):\n" + "\n---\n".join(errors),
        pytrace=False,
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/hotline.sqlite3"


def _libpq_dsn(url: URL) -> str:
    """psycopg wants a plain libpq URI, not SQLAlchemy's ``postgresql+psycopg://``."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def _fresh_pg_database(pg_url: str) -> Iterator[str]:
    base = make_url(pg_url)
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(_libpq_dsn(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_dsn(base), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest) -> str:
    """A URL to an empty database, once per backend; PostgreSQL gets a fresh database per test."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("_fresh_pg_database")
        return url
    url = request.getfixturevalue("sqlite_url")
    return url
