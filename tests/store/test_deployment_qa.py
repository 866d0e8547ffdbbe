"""A shared deployment as docs/deployment.md sets it up, on a real PostgreSQL server (and SQLite where both apply).

Covers what a team found running one: two admins adding one user name at once, PostgreSQL refusing the database
user (PostgreSQL 15's schema ``public``, a read-only account), values of failed statements in messages, database
URLs whose password holds an ``@``, and the CSRF refusal of a cookie signed by another worker's key.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from smpatlas.errors import ConfigError, SmpAtlasError
from smpatlas.store import database
from smpatlas.store import users as users_store
from smpatlas.store.auth_schema import users
from tests.pgserver import PgServer

with warnings.catch_warnings():  # starlette's TestClient warns about httpx at import time
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PW = "correct-horse-battery"


def _add_while_another_is_uncommitted(engine: Engine, first: str, second: str) -> str:
    """Add ``first`` in a transaction left open while another connection adds ``second``; what the second got."""
    outcome: list[str] = []

    def other() -> None:
        try:
            with engine.begin() as conn:
                users_store.create_user(conn, name=second, role="editor", password=PW)
            outcome.append("added")
        except ConfigError as exc:
            outcome.append(f"refused: {exc}")
        except Exception as exc:  # what the web app turned into a 500
            outcome.append(f"internal: {type(exc).__name__}")

    with engine.begin() as conn:
        users_store.create_user(conn, name=first, role="editor", password=PW)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1.0)  # the other one gets as far as it can while this one is open
    thread.join(30)
    assert not thread.is_alive()
    return outcome[0]


@pytest.mark.parametrize(("first", "second"), [("Ivy", "ivy"), ("Hal", "Hal")])
def test_two_admins_adding_one_name_at_once_get_one_user(engine: Engine, first: str, second: str) -> None:
    """Two web workers adding 'Ivy' and 'ivy' at once both succeeded (the case-blind check is made in Python, and
    each saw no such name); adding 'Hal' twice at once was an internal error (500) from the unique index."""
    got = _add_while_another_is_uncommitted(engine, first, second)
    assert got.startswith("refused: ") and "exists already" in got, got
    with engine.connect() as conn:
        assert users_store.same_names(conn, first) == [first]


def test_a_failed_statement_never_prints_the_password_hash(engine: Engine) -> None:
    """The values sent with a failed statement were part of its message: printed by the CLI's "Internal error"
    line and written to the web server's log (a user's Argon2 hash, an API token's hash)."""
    with engine.begin() as conn:
        users_store.create_user(conn, name="anna", role="admin", password=PW)
    row = {"name": "anna", "role": "admin", "password_hash": "$argon2id$SECRET-HASH", "created_at": users_store._now()}
    with pytest.raises(IntegrityError) as info, engine.begin() as conn:
        conn.execute(insert(users).values(**row))
    assert "SECRET-HASH" not in str(info.value)


def test_a_token_for_a_name_spelt_in_another_case_says_which_user(engine: Engine) -> None:
    with engine.begin() as conn:
        users_store.create_user(conn, name="Bob", role="editor", password=PW)
    with pytest.raises(ConfigError) as info, engine.begin() as conn:
        users_store.create_token(conn, user_name="bob")
    assert "did you mean 'Bob'?" in str(info.value)
    assert "add it first" not in str(info.value)  # adding 'bob' would be refused: Bob exists


# --- PostgreSQL refusing the database user ---------------------------------------------------------------------

@pytest.fixture
def superuser(pg_server: PgServer) -> Iterator[Engine]:
    """A connection to the test server as its superuser, to make roles and databases as an administrator would."""
    eng = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    yield eng
    eng.dispose()


def _role(superuser: Engine) -> str:
    name = f"qa_{uuid.uuid4().hex[:10]}"
    with superuser.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
    return name


def _as(url: str, role: str) -> str:
    return url.replace(f"//{PgServer.user}@", f"//{role}@", 1)


def test_init_where_the_user_may_not_create_tables_says_what_to_run(pg_server: PgServer, superuser: Engine) -> None:
    """PostgreSQL 15: a database the user does not own has a schema public they cannot create tables in; init was
    an internal error ("This is a bug in SMP Atlas")."""
    role = _role(superuser)
    url = _as(pg_server.create_database(), role)  # owned by the superuser
    dbname = url.rsplit("/", 1)[1]
    engine = database.create(url)
    try:
        with pytest.raises(database.DatabaseRefused) as info:
            database.upgrade(engine)
    finally:
        engine.dispose()
    message = str(info.value)
    assert "permission denied for schema public" in message
    assert f"ALTER DATABASE {dbname} OWNER TO {role};" in message and "Nothing was written" in message
    assert isinstance(info.value, SmpAtlasError) and info.value.status == 503  # the web app: 503, not 400 or 500


def test_init_where_the_user_may_not_create_extensions_still_works(pg_server: PgServer, superuser: Engine) -> None:
    """Migration 0004 handles a refused CREATE EXTENSION pg_trgm itself (search unindexed): not a refusal."""
    role = _role(superuser)
    url = pg_server.create_database()
    with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f"GRANT CREATE ON SCHEMA public TO {role}"))
    engine = database.open_engine(_as(url, role))
    try:
        assert database.state(engine) == "current"
    finally:
        engine.dispose()


def test_a_read_only_account_is_told_what_to_grant(pg_server: PgServer, superuser: Engine, pg_template: str) -> None:
    """A PostgreSQL user with SELECT only (a notebook account) reads; its writes were internal errors that printed
    the SQL and its values."""
    from smpatlas.io.importer import import_files
    from tests.conftest import BUNDLED

    role = _role(superuser)
    url = pg_server.create_database(template=pg_template)
    owner = database.open_engine(url)
    with owner.begin() as conn:
        conn.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    owner.dispose()
    engine = database.open_engine(_as(url, role))
    try:
        with engine.connect() as conn:
            assert users_store.list_users(conn) == []
        with pytest.raises(database.DatabaseRefused) as info, engine.begin() as conn:
            users_store.create_user(conn, name="anna", role="admin", password=PW)
    finally:
        engine.dispose()
    message = str(info.value)
    assert f"The PostgreSQL user '{role}' may not do this" in message
    assert "permission denied for table users" in message and f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}" \
        in message
    assert "INSERT INTO" not in message and "argon2" not in message
    engine = database.open_engine(_as(url, role))
    try:
        with pytest.raises(database.DatabaseRefused, match="permission denied for table partnerships"):
            import_files(engine, [BUNDLED])
    finally:
        engine.dispose()


# --- database URLs ---------------------------------------------------------------------------------------------

def test_a_password_with_an_at_sign_is_refused_without_showing_it() -> None:
    """'user:p@ss@host' ends the password at its first '@': 'ss@host' became the host name, printed in every
    message (the rest of the password)."""
    url = "postgresql+psycopg://atlas:TOP@SECRET@db.example:5432/atlas"
    assert "SECRET" not in database.shown(url)
    with pytest.raises(ConfigError, match="percent-encoded, as %40") as info:
        database.resolve_url(url)
    assert "SECRET" not in str(info.value)
    encoded = "postgresql+psycopg://atlas:TOP%40SECRET@db.example:5432/atlas"
    assert database.resolve_url(encoded) == encoded


def test_the_postgres_scheme_is_told_how_to_write_it() -> None:
    with pytest.raises(ConfigError, match=r"write postgresql\+psycopg://") as info:
        database.create("postgres://atlas:secret@db.example/atlas")
    assert "secret" not in str(info.value)


def test_an_unknown_postgresql_option_is_not_called_a_damaged_inventory(pg_server: PgServer) -> None:
    url = pg_server.create_database() + "?foo=bar"
    with pytest.raises(ConfigError) as info:
        database.open_engine(url)
    assert 'invalid connection option "foo"' in str(info.value)
    assert "restore it from a backup" not in str(info.value)


# --- several web workers ----------------------------------------------------------------------------------------

def test_a_form_refused_for_another_workers_cookie_says_why(tmp_path: Path) -> None:
    """uvicorn --workers 4 without SMPATLAS_SECRET_KEY: each worker signs with its own key, and a log-in whose form
    came from another worker was refused (403) as merely "expired"."""
    from smpatlas.web import Settings, create_app

    db = str(tmp_path / "atlas.db")
    database.open_engine(db).dispose()
    apps = [create_app(Settings(database_url=db, secret_key=key * 40, upload_dir=str(tmp_path / "up")))
            for key in ("a", "b")]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        page = one.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        two.cookies.update(one.cookies)
        refused = two.post("/login", data={"csrf_token": token, "name": "anna", "password": PW, "next": "/"},
                           follow_redirects=False)
        assert refused.status_code == 403
        assert "without one shared SMPATLAS_SECRET_KEY" in refused.text
        fresh = TestClient(apps[1])  # no cookie at all: the plain message, no word of keys
        plain = fresh.post("/login", data={"csrf_token": "x", "name": "anna", "password": PW},
                           follow_redirects=False)
        assert plain.status_code == 403 and "SMPATLAS_SECRET_KEY" not in plain.text
    for app in apps:
        app.state.smpatlas.atlas.close()


# --- upgrades and moves -----------------------------------------------------------------------------------------

def _at_revision(url: str, revision: str) -> None:
    from alembic import command

    engine = database.create(url)
    cfg = database.alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_an_inventory_behind_says_how_to_back_it_up(empty_url: str) -> None:
    """"Run 'smpatlas db upgrade' (back it up first)", but 'smpatlas dump' refuses a schema that is behind too."""
    _at_revision(empty_url, "0006")
    with pytest.raises(ConfigError) as info:
        database.open_engine(empty_url)
    message = str(info.value)
    assert "smpatlas db upgrade" in message and "'smpatlas dump' reads only a current schema" in message
    assert ("pg_dump -Fc " in message) == empty_url.startswith("postgresql")
    assert (".backup " in message) == empty_url.startswith("sqlite")


def test_users_restored_without_a_password_are_known(engine: Engine, tmp_path: Path) -> None:
    from smpatlas.store import archive

    with engine.begin() as conn:
        users_store.create_user(conn, name="anna", role="admin", password=PW)
        assert users_store.without_password(conn) == set()
    target = database.open_engine(str(tmp_path / "moved.db"))
    try:
        zipped = tmp_path / "atlas.zip"
        archive.dump(engine, zipped)
        archive.restore(target, zipped)
        with target.begin() as conn:
            assert users_store.without_password(conn) == {"anna"}
            users_store.set_password(conn, name="anna", password=PW)
            assert users_store.without_password(conn) == set()
    finally:
        target.dispose()


@pytest.mark.parametrize("path", ["/api/v1/refused", "/refused"])
def test_the_web_tells_visitors_the_database_refused_and_logs_what_to_grant(
        path: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The advice names the database user and the GRANT to run: it goes to the server's log, not to visitors."""
    from smpatlas.web.app import create_app
    from smpatlas.web.settings import Settings

    app = create_app(Settings(database_url=str(tmp_path / "atlas.db")))
    said = "The PostgreSQL user 'atlas_ro' may not do this (permission denied for table users). Nothing was written"

    def refused() -> None:
        raise database.DatabaseRefused(said)

    app.add_api_route(path, refused)
    with TestClient(app) as client, caplog.at_level("ERROR", logger="smpatlas.web"):
        response = client.get(path)
    assert response.status_code == 503
    assert "atlas_ro" not in response.text and "permission denied" not in response.text
    assert "refused this" in response.text and "administrator" in response.text
    assert any(said in r.getMessage() for r in caplog.records)
