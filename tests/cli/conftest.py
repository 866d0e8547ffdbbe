"""Inventories for the CLI tests on both engines: a SQLite file and a database on the throwaway PostgreSQL server.

A test that takes ``fresh_db``, ``blank_db`` or ``demo_db`` runs once per engine (the ``backend`` fixture, which a
test may parametrise indirectly to run a case on one engine only). The commands are given the inventory with
``*inv.db`` — ``--db PATH_OR_URL`` — or, for tests marked ``db_via_env``, through ``SMPATLAS_DATABASE_URL``
(``inv.db`` is then empty). PostgreSQL databases are copies of session-scoped templates, so neither the migrations
nor the import of the bundled inventory run once per test.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.conftest import BUNDLED, snapshot
from tests.pgserver import PgServer

ENGINES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db_via_env: give the CLI the inventory through SMPATLAS_DATABASE_URL, "
                                       "not --db")


@dataclass(frozen=True)
class Inventory:
    """An inventory for CLI tests: where it is, and how the commands are told."""

    backend: str  # "sqlite" or "postgresql"
    url: str  # what a user passes as --db: a SQLite file path or a postgresql+psycopg:// URL
    via_env: bool = False  # True: the URL is in SMPATLAS_DATABASE_URL, and commands get no --db

    @property
    def db(self) -> tuple[str, ...]:
        """The ``--db`` arguments of a command (none when the URL comes from the environment)."""
        return () if self.via_env else ("--db", self.url)

    def snapshot(self) -> Any:
        """Everything stored, for 'nothing was written' checks (see tests.conftest.snapshot)."""
        return snapshot(database.create(database.resolve_url(self.url)))


@pytest.fixture(params=ENGINES)
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test: "sqlite" or "postgresql"."""
    return str(request.param)


def _inventory(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str, url: str) -> Inventory:
    via_env = request.node.get_closest_marker("db_via_env") is not None
    if via_env:
        monkeypatch.setenv(database.ENV_VAR, url)
    else:
        monkeypatch.delenv(database.ENV_VAR, raising=False)
    return Inventory(backend, url, via_env)


@pytest.fixture
def blank_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str,
             tmp_path: Path) -> Inventory:
    """Nothing there yet: a SQLite file that does not exist, or a PostgreSQL database without tables."""
    if backend == "sqlite":
        return _inventory(request, monkeypatch, backend, str(tmp_path / "blank.db"))
    server: PgServer = request.getfixturevalue("pg_server")
    return _inventory(request, monkeypatch, backend, server.create_database())


@pytest.fixture
def fresh_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str,
             tmp_path: Path) -> Inventory:
    """A new, empty inventory: a SQLite file that commands create on first use, or a copy of the migrated template."""
    if backend == "sqlite":
        return _inventory(request, monkeypatch, backend, str(tmp_path / "atlas.db"))
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.create_database(template=request.getfixturevalue("pg_template"))
    return _inventory(request, monkeypatch, backend, url)


def _load_demo(url: str) -> None:
    """What ``smpatlas demo`` loads: the bundled inventory, replacing everything."""
    engine = database.open_engine(url)
    try:
        report = import_files(engine, [BUNDLED], mode="replace", user="smpatlas-demo")
        assert report.valid, report.to_text()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the bundled inventory, loaded once per session (tests get copies)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    _load_demo(str(path))
    return path


@pytest.fixture(scope="session")
def pg_demo_template(pg_server: PgServer, pg_template: str) -> str:
    """A PostgreSQL database holding the bundled inventory, to copy for each test."""
    url = pg_server.create_database(template=pg_template)
    _load_demo(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture
def demo_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str,
            tmp_path: Path) -> Inventory:
    """An inventory holding the bundled partnerships, as 'smpatlas demo' leaves it, on each engine."""
    if backend == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_demo"), path)
        return _inventory(request, monkeypatch, backend, str(path))
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.create_database(template=request.getfixturevalue("pg_demo_template"))
    return _inventory(request, monkeypatch, backend, url)
