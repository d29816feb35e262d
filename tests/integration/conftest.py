"""Fixtures of the integration tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apiharness import Api, build_api


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    """The real API on a migrated, seeded database — once on SQLite, once on PostgreSQL."""
    yield from build_api(db_url)
