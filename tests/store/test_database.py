"""Database URLs, migrations and schema states."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from smpatlas.errors import ConfigError
from smpatlas.store import database
from smpatlas.store.schema import metadata


def test_migrations_create_exactly_the_codebook_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], "the codebook changed without a migration: add one under store/migrations/versions"


def test_a_newer_schema_is_refused_on_every_engine(db_url: str) -> None:
    database.open_engine(db_url).dispose()
    eng = create_engine(db_url)
    with eng.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999'"))
    eng.dispose()
    with pytest.raises(ConfigError, match="newer SMP Atlas"):
        database.open_engine(db_url)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("atlas.db", "sqlite:///atlas.db"), ("sqlite:///x.db", "sqlite:///x.db"),
     ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db")],
)
def test_resolve_url(value: str, expected: str) -> None:
    assert database.resolve_url(value) == expected


def test_environment_variable_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMPATLAS_DATABASE_URL", "sqlite:///from-env.db")
    assert database.resolve_url(None) == "sqlite:///from-env.db"
    monkeypatch.delenv("SMPATLAS_DATABASE_URL")
    assert database.resolve_url(None) == "sqlite:///smpatlas.db"


def test_upgrade_is_idempotent(db_path: Path) -> None:
    engine = database.create(database.resolve_url(str(db_path)))
    assert database.upgrade(engine) == "created"
    assert database.upgrade(engine) == "already current"


def test_a_foreign_database_is_refused(db_path: Path) -> None:
    eng = create_engine(f"sqlite:///{db_path}")
    with eng.begin() as conn:
        conn.execute(text("create table people (name text)"))
    with pytest.raises(ConfigError, match="did not create"):
        database.open_engine(str(db_path))


def test_a_newer_schema_is_refused_not_downgraded(db_path: Path) -> None:
    database.open_engine(str(db_path)).dispose()
    eng = create_engine(f"sqlite:///{db_path}")
    with eng.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999'"))
    with pytest.raises(ConfigError, match="newer SMP Atlas"):
        database.open_engine(str(db_path))


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        database.open_engine(str(tmp_path / "no" / "such" / "atlas.db"))


def test_not_created_without_permission(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No SMP Atlas inventory"):
        database.open_engine(str(tmp_path / "new.db"), create_if_missing=False)


def test_opening_read_only_does_not_create_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        database.open_engine(str(tmp_path / "new.db"), create_if_missing=False)
    assert not (tmp_path / "new.db").exists()
