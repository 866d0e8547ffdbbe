"""init, db upgrade, user, token, dump and restore from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from smpatlas.store import database
from smpatlas.store import users as users_store
from tests.cli.conftest import Inventory
from tests.conftest import BUNDLED, Result, archive_contents, minimal, write_jsonl
from tests.pgserver import PgServer

Cli = Callable[..., Result]


def _migrate_to(url: str, revision: str) -> None:
    """Leave the database at an older schema revision, as an older SMP Atlas would have."""
    engine = database.create(database.resolve_url(url))
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def _set_revision(url: str, revision: str) -> None:
    engine = database.create(database.resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def test_init_and_db_upgrade(cli: Cli, blank_db: Inventory) -> None:
    db = blank_db.db
    _migrate_to(blank_db.url, "0001")
    res = cli("list", *db)
    assert res.code == 1 and "older schema" in res.stderr and "smpatlas db upgrade" in res.stderr
    res = cli("db", "upgrade", *db)
    assert res.code == 0 and "upgraded" in res.stdout, res.stderr
    assert "already current" in cli("db", "upgrade", *db).stdout
    assert "already current" in cli("init", *db).stdout
    assert "1835 rows" in cli("shortages", "list", *db).stdout  # the tables added since 0001 got the shipped data
    assert cli("list", *db, "--format", "json").json() == []
    _set_revision(blank_db.url, "9999")
    for args in (("db", "upgrade"), ("init",), ("list",)):
        res = cli(*args, *db)
        assert res.code == 1 and "newer SMP Atlas" in res.stderr, (args, res.stderr)


@pytest.mark.db_via_env
def test_users_and_tokens(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    db = fresh_db.db  # () here: the inventory is in SMPATLAS_DATABASE_URL

    def add(name: str, role: str, password: str) -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        return cli("user", "add", name, "--role", role, "--password-stdin", *db)

    assert cli("init", *db).code == 0  # creates the SQLite file; the PostgreSQL copy is current already
    assert "No users yet" in cli("user", "list", *db).stdout
    res = add("anna", "editor", "correct horse")
    assert res.code == 0 and "Added anna (editor)" in res.stdout, res.stderr
    assert add("ben", "admin", "battery staple").code == 0
    assert add("anna", "viewer", "another password").code == 1  # exists already
    res = add("carl", "superuser", "correct horse")
    assert res.code == 2 and "superuser" in res.stderr
    assert add("dora", "viewer", "short").code == 1  # too short
    listed = cli("user", "list", *db, "--format", "json").json()
    assert [(u["name"], u["role"]) for u in listed] == [("anna", "editor"), ("ben", "admin")]
    assert re.search(r"^anna\s+editor\s", cli("user", "list", *db).stdout, re.M)
    res = cli("token", "create", "anna", "--label", "nightly import", *db)
    assert res.code == 0 and "not shown again" in res.stderr
    token = res.stdout.strip()
    engine = database.open_engine(fresh_db.url, create_if_missing=False)
    try:
        with engine.connect() as conn:
            user = users_store.user_for_token(conn, token=token)
            assert users_store.authenticate(conn, name="ben", password="battery staple") is not None
    finally:
        engine.dispose()
    assert user is not None and user["name"] == "anna" and user["role"] == "editor"
    res = cli("token", "create", "nobody", *db)
    assert res.code == 1 and "No user named 'nobody'" in res.stderr


def test_dump_and_restore_between_engines(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          sqlite_demo: Path, pg_server: PgServer, pg_template: str) -> None:
    """SQLite → archive → PostgreSQL (URL in SMPATLAS_DATABASE_URL) → archive → SQLite (--db), losslessly."""
    sqlite_db = tmp_path / "a.db"
    shutil.copyfile(sqlite_demo, sqlite_db)  # the bundled inventory, imported by "smpatlas-demo"
    edits = write_jsonl(tmp_path / "edits.jsonl", [minimal("de-ph-triple-win", name="Renamed", status="completed")])
    assert cli("import", edits, "--mode", "upsert", "--db", sqlite_db, "--user", "ben").code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    assert cli("user", "add", "anna", "--role", "admin", "--password-stdin", "--db", sqlite_db).code == 0
    first, second, third = tmp_path / "1.zip", tmp_path / "2.zip", tmp_path / "3.zip"
    res = cli("dump", "--out", first, "--db", sqlite_db)
    assert res.code == 0 and "Wrote" in res.stdout, res.stderr

    pg = pg_server.create_database(template=pg_template)
    monkeypatch.setenv(database.ENV_VAR, pg)
    res = cli("restore", first)
    assert res.code == 0, res.stderr
    n = len(BUNDLED.read_text("utf-8").splitlines())
    assert f"{n} partnerships" in res.stdout
    again = cli("restore", first)
    assert again.code == 1 and "is not empty" in again.stderr and "Traceback" not in again.stderr
    show = cli("show", "de-ph-triple-win", "--format", "json").json()
    assert show["record"]["name"] == "Renamed" and {"smpatlas-demo", "ben"} <= {h["user_name"] for h in show["history"]}
    assert [u["name"] for u in cli("user", "list", "--format", "json").json()] == ["anna"]
    assert cli("dump", "--out", second).code == 0

    back = tmp_path / "b.db"
    assert cli("restore", second, "--db", back).code == 0  # --db wins over SMPATLAS_DATABASE_URL
    assert cli("dump", "--out", third, "--db", back).code == 0
    assert archive_contents(first) == archive_contents(second) == archive_contents(third)


SECRET = "s3cret-pw-0451"


def _with_password(url: str) -> str:
    """The same PostgreSQL URL with a password (the throwaway server trusts local connections, so it is ignored)."""
    return url.replace(f"{PgServer.user}@", f"{PgServer.user}:{SECRET}@", 1)


@pytest.mark.parametrize("args", [("init",), ("db", "upgrade"), ("serve",), ("list",), ("demo",)], ids=" ".join)
def test_database_passwords_are_never_printed(cli: Cli, monkeypatch: pytest.MonkeyPatch, pg_server: PgServer,
                                              pg_template: str, args: tuple[str, ...]) -> None:
    """docs/deployment.md keeps the password in SMPATLAS_DATABASE_URL; no output (journal, logs) may show it."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # serve: start up, print, don't listen
    # list on an empty database fails with "No SMP Atlas inventory at …"; the others get a migrated copy
    url = _with_password(pg_server.create_database(template=None if args == ("list",) else pg_template))
    monkeypatch.setenv(database.ENV_VAR, url)
    res = cli(*args, *(("--db", url) if args == ("demo",) else ()))  # demo has no environment variable
    assert res.code == (1 if args == ("list",) else 0), res.stderr
    assert SECRET not in res.stdout + res.stderr, res.stdout + res.stderr


def test_db_upgrade_of_a_missing_inventory_creates_nothing(cli: Cli, tmp_path: Path) -> None:
    """A mistyped --db made a new, empty inventory and said "upgraded"."""
    typo = tmp_path / "atlsa.db"
    res = cli("db", "upgrade", "--db", typo)
    assert res.code == 1 and "No SMP Atlas inventory at" in res.stderr and "to upgrade" in res.stderr, res.stderr
    assert not typo.exists()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # an empty file is a new database to SQLite
    res = cli("db", "upgrade", "--db", empty)
    assert res.code == 1 and "No SMP Atlas inventory at" in res.stderr, res.stderr
    assert empty.read_bytes() == b""
