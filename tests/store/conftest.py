"""Fixtures shared by the store tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """A database with no tables at all (not migrated): a SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{db_path}"
    else:
        yield request.getfixturevalue("pg_server").create_database()
