"""Database URLs, migrations and schema states."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from smpatlas.errors import ConfigError
from smpatlas.store import database
from smpatlas.store.schema import metadata

#: PostgreSQL-only indexes made by migrations, not in ``schema.metadata``.
PG_ONLY_INDEXES = ("ix_partnerships_search_text_trgm",  # free-text search (migration 0004)
                   "ix_partnership_values_partnership_id")  # facets under selective filters (migration 0006)


def _not_engine_specific(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return name not in PG_ONLY_INDEXES


def test_migrations_create_exactly_the_codebook_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": _not_engine_specific})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], "the codebook changed without a migration: add one under store/migrations/versions"


def test_postgresql_free_text_search_is_indexed(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with engine.connect() as conn:
        names = set(conn.execute(text("select indexname from pg_indexes where tablename = 'partnerships'")).scalars())
    assert "ix_partnerships_search_text_trgm" in names


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


@pytest.mark.parametrize(("db", "expected"), [
    ("postgresql+psycopg://atlas:pw@db.example:5432/atlas", "postgresql+psycopg://atlas:***@db.example:5432/atlas"),
    ("postgresql+psycopg://atlas@localhost/atlas", "postgresql+psycopg://atlas@localhost/atlas"),
    ("sqlite:///data/atlas.db", "sqlite:///data/atlas.db"),
    ("atlas.db", "atlas.db"),
    (None, ""),
])
def test_shown_hides_passwords(db: str | None, expected: str) -> None:
    assert database.shown(db) == expected


def test_sqlite_inventories_use_the_write_ahead_log(tmp_path: Path) -> None:
    """Readers must not wait for a long import: SQLite's WAL journal, set on every connection."""
    from sqlalchemy import text

    engine = database.open_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA cache_size")).scalar() == -65536
    engine.dispose()


def test_head_revision_constant_is_alembics_head() -> None:
    """HEAD_REVISION lets a current inventory open without Alembic: it must name the newest migration."""
    assert database.head_revision() == database.HEAD_REVISION, \
        "a migration was added or removed: set HEAD_REVISION in store/database.py to the newest revision"


@pytest.mark.parametrize(("stamp", "alembic_loaded", "outcome"), [
    (None, False, "opened"),  # current: one query, no Alembic
    ("0005", True, "older schema"),  # behind: Alembic decides, the user is told to upgrade
    ("9999", True, "newer SMP Atlas"),  # ahead: refused
])
def test_opening_a_current_inventory_does_not_load_alembic(db_path: Path, stamp: str | None, alembic_loaded: bool,
                                                           outcome: str) -> None:
    database.open_engine(str(db_path)).dispose()
    if stamp is not None:
        eng = create_engine(f"sqlite:///{db_path}")
        with eng.begin() as conn:
            conn.execute(text("update alembic_version set version_num = :v"), {"v": stamp})
        eng.dispose()
    code = ("import sys\nfrom smpatlas.errors import ConfigError\nfrom smpatlas.store import database\n"
            f"try:\n    database.open_engine({str(db_path)!r}).dispose()\n    print('opened')\n"
            "except ConfigError as exc:\n    print(exc)\n"
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert outcome in out
    assert out.strip().splitlines()[-1] == str(alembic_loaded)


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql://anna:secret@:bad/atlas", r"Not a database URL: 'postgresql://anna:\*\*\*@:bad/atlas' \(invalid literal"),
    ("postgresql+psycopg://x@:1e3/y", "Not a database URL"),
    ("sqlite:///{tmp}/a.db?timeout=abc", r"Cannot use database .*could not convert string to float: 'abc'"),
])
def test_a_database_url_with_a_bad_number_is_a_clear_error(tmp_path: Path, url: str, message: str) -> None:
    """A port or timeout that is not a number was an internal error (ValueError) before any connection."""
    with pytest.raises(ConfigError, match=message) as info:
        database.open_engine(url.format(tmp=tmp_path))
    assert "secret" not in str(info.value)


def test_a_damaged_page_met_mid_way_is_a_clear_error(tmp_path: Path) -> None:
    """A file whose header is intact opens; SQLite finds the damage only when a query reaches it."""
    from smpatlas.io.importer import import_files
    from smpatlas.store import repository as repo
    from tests.conftest import BUNDLED

    db = tmp_path / "atlas.db"
    engine = database.open_engine(str(db))
    assert import_files(engine, [BUNDLED]).valid
    engine.dispose()
    size = db.stat().st_size
    with db.open("r+b") as fh:  # the second half (records, values, history) overwritten; the schema is intact
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(b"\xde\xad" * (size // 4))
    engine = database.open_engine(str(db))
    damaged = r"is damaged \(database disk image is malformed\): it cannot be read"
    with pytest.raises(ConfigError, match=damaged), engine.connect() as conn:
        list(repo.select_records(conn))
    engine.dispose()


@pytest.mark.parametrize(("value", "says"), [
    ("postgresql+psycopg:/atlas@dbhost/atlas", "write it as postgresql+psycopg://user@host/atlas"),
    ("postgresql:atlas@dbhost/atlas", "write it as postgresql://user@host/atlas"),
    ("sqlite:/atlas.db", "write it as sqlite:///atlas.db"),
    ("SQLITE:atlas.db", "write it as sqlite:///atlas.db"),
])
def test_a_url_with_a_slash_missing_is_not_taken_for_a_file_name(value: str, says: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="looks like a database URL with a slash missing") as err:
        database.open_engine(value)
    assert says in str(err.value)
    assert list(tmp_path.iterdir()) == []  # no file or folder made of the typo


@pytest.mark.parametrize("value", ["atlas.db", "sqlite-copy.db", "postgres-2024.db", "./sqlite:old.db"])
def test_file_names_that_start_like_a_scheme_are_still_files(value: str) -> None:
    assert database.resolve_url(value) == f"sqlite:///{Path(value)}"
