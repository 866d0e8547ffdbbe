"""docs/deployment.md followed command by command on a real PostgreSQL server: what the IT person and the editors
see when something is not set up as it should be — one "Error:" line saying what to do, never an internal error,
never a password or its hash."""

from __future__ import annotations

import io
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.conftest import Inventory
from tests.conftest import Result
from tests.pgserver import PgServer

Cli = Callable[..., Result]
PW = "correct horse"


def _role(pg_server: PgServer) -> str:
    name = f"qa_{uuid.uuid4().hex[:10]}"
    eng = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
    eng.dispose()
    return name


def test_init_on_a_database_the_user_does_not_own(cli: Cli, pg_server: PgServer) -> None:
    """`createdb atlas` without `-O atlas` (PostgreSQL 15): init said "Internal error … This is a bug in SMP Atlas"."""
    role = _role(pg_server)
    url = pg_server.create_database().replace(f"//{PgServer.user}@", f"//{role}@", 1)
    r = cli("init", "--db", url)
    assert r.code == 1
    assert "Internal error" not in r.stderr and "bug" not in r.stderr
    assert r.stderr.startswith("Error: ") and "permission denied for schema public" in r.stderr
    assert f"OWNER TO {role}" in r.stderr


def test_a_read_only_account_adding_a_user_never_prints_the_hash(cli: Cli, pg_server: PgServer, pg_template: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The internal error printed the INSERT with its parameters: the new user's Argon2 password hash."""
    role = _role(pg_server)
    url = pg_server.create_database(template=pg_template)
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    eng.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    r = cli("user", "add", "anna", "--role", "admin", "--password-stdin", "--db",
            url.replace(f"//{PgServer.user}@", f"//{role}@", 1))
    assert r.code == 1
    assert "$argon2" not in r.stderr and "INSERT INTO" not in r.stderr and "Internal error" not in r.stderr
    assert f"The PostgreSQL user '{role}' may not do this" in r.stderr


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_token_for_a_user_name_in_another_case(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli("user", "add", "Bob", "--role", "editor", "--password-stdin", *fresh_db.db).code == 0
    r = cli("token", "create", "bob", *fresh_db.db)
    assert r.code == 1 and r.stdout == ""
    assert "did you mean 'Bob'?" in r.stderr and "user add" not in r.stderr


def test_a_password_with_an_at_sign(cli: Cli) -> None:
    r = cli("list", "--db", "postgresql+psycopg://atlas:TOP@SECRET@127.0.0.1:1/atlas")
    assert r.code == 1 and "SECRET" not in r.stderr and "%40" in r.stderr


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_user_list_after_the_move_says_who_needs_a_password(cli: Cli, fresh_db: Inventory, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """After `dump` of a SQLite inventory and `restore` on PostgreSQL, every user was listed "active", though none
    can log in until given a password."""
    sqlite = str(tmp_path / "atlas.db")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli("user", "add", "anna", "--role", "admin", "--password-stdin", "--db", sqlite).code == 0
    assert cli("dump", "--out", str(tmp_path / "atlas.zip"), "--db", sqlite).code == 0
    assert cli("restore", str(tmp_path / "atlas.zip"), *fresh_db.db).code == 0
    listed = cli("user", "list", *fresh_db.db)
    assert re.search(r"^anna\s+admin\s+\d{4}-\d\d-\d\d\s+active\s+no password yet: smpatlas user passwd anna$",
                     listed.stdout, re.M), listed.stdout
    assert cli("user", "list", "-f", "json", *fresh_db.db).json()[0]["password_set"] is False
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli("user", "passwd", "anna", "--password-stdin", *fresh_db.db).code == 0
    assert "no password" not in cli("user", "list", *fresh_db.db).stdout
