"""``smpatlas user role|disable|enable`` and ``token list|revoke``: what the web app's Users page does, from the CLI.

Each command is checked by what it changes (who can log in, which tokens the API accepts), by its refusals (the
only active admin, unknown users and token numbers, a revoke without a number), and by nothing being written when
it refuses.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable

import pytest

from smpatlas.store import database
from smpatlas.store import users as users_store
from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
PW = "correct horse"


def _add(cli: Cli, inv: Inventory, monkeypatch: pytest.MonkeyPatch, name: str, role: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    assert cli("user", "add", name, "--role", role, "--password-stdin", *inv.db).code == 0


def _token(cli: Cli, inv: Inventory, name: str, label: str) -> str:
    res = cli("token", "create", name, "--label", label, *inv.db)
    assert res.code == 0, res.stderr
    return res.stdout.strip()


def _state(inv: Inventory, name: str, token: str | None = None) -> tuple[str | None, bool, bool]:
    """(role, whether ``name`` logs in, whether ``token`` is accepted by the API)."""
    engine = database.open_engine(inv.url, create_if_missing=False)
    try:
        with engine.begin() as conn:
            user = users_store.get_user(conn, name=name)
            logs_in = users_store.authenticate(conn, name=name, password=PW) is not None
            accepted = token is not None and users_store.user_for_token(conn, token=token) is not None
    finally:
        engine.dispose()
    return (None if user is None else user["role"]), logs_in, accepted


@pytest.fixture
def team(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> Inventory:
    _add(cli, fresh_db, monkeypatch, "ada", "admin")
    _add(cli, fresh_db, monkeypatch, "erin", "editor")
    return fresh_db


def test_role_disable_enable_change_who_may_do_what(cli: Cli, team: Inventory) -> None:
    token = _token(cli, team, "erin", "nightly import")
    assert _state(team, "erin", token) == ("editor", True, True)

    res = cli("user", "role", "erin", "admin", *team.db)
    assert res.code == 0 and res.stdout.strip() == "erin is now an admin (was editor)."
    assert cli("user", "role", "erin", "Admin", *team.db).stdout.strip() == "erin is already an admin."

    res = cli("user", "disable", "erin", *team.db)
    assert res.code == 0 and "erin is disabled: they cannot log in" in res.stdout
    assert _state(team, "erin", token) == ("admin", False, False)  # sessions and tokens stop at once
    assert "erin is already disabled; nothing changed." in cli("user", "disable", "erin", *team.db).stdout
    assert "disabled" in cli("user", "list", *team.db).stdout

    res = cli("user", "enable", "erin", *team.db)
    assert res.code == 0 and "erin is active again" in res.stdout
    assert _state(team, "erin", token) == ("admin", True, True)


@SQLITE_ONLY
def test_token_list_and_revoke(cli: Cli, team: Inventory) -> None:
    first = _token(cli, team, "erin", "nightly import")
    second = _token(cli, team, "erin", "dashboard")
    third = _token(cli, team, "erin", "spare")
    listed = cli("token", "list", "erin", "--format", "json", *team.db).json()
    assert [t["label"] for t in listed] == ["nightly import", "dashboard", "spare"]
    assert all(set(t) == {"number", "label", "created_at"} for t in listed)  # never the secret or its hash
    text = cli("token", "list", "erin", *team.db).stdout
    assert re.search(rf"^{listed[1]['number']}\s+dashboard\s+created \d{{4}}-\d\d-\d\d$", text, re.M), text
    assert second not in text

    res = cli("token", "revoke", "erin", str(listed[1]["number"]), *team.db)
    assert res.code == 0 and res.stdout.strip() == f"Revoked API token {listed[1]['number']} of erin."
    assert [_state(team, "erin", t)[2] for t in (first, second, third)] == [True, False, True]

    res = cli("token", "revoke", "erin", "--all", *team.db)
    assert res.code == 0 and res.stdout.strip() == "Revoked 2 API tokens of erin."
    assert [_state(team, "erin", t)[2] for t in (first, third)] == [False, False]
    assert "erin has no API tokens: create one with 'smpatlas token create erin'." in \
        cli("token", "list", "erin", *team.db).stdout


REFUSALS = [  # (arguments, what the error says)
    (("user", "role", "ada", "editor"), "'ada' is the only active admin, so cannot be made an editor"),
    (("user", "disable", "ada"), "'ada' is the only active admin, so cannot be disabled"),
    (("user", "role", "erin", "owner"), "ROLE"),
    (("user", "role", "nobody", "viewer"), "No user named 'nobody'"),
    (("user", "disable", "Erin"), "No user named 'Erin' (give the name as 'smpatlas user list' shows it); "
                                  "did you mean 'erin'?"),
    (("user", "enable", "nobody"), "No user named 'nobody'"),
    (("token", "list", "nobody"), "No user named 'nobody'"),
    (("token", "revoke", "erin", "99"), "'erin' has no API token number 99 (revoked already?)"),
    (("token", "revoke", "erin"), "Give the number of the token to revoke ('smpatlas token list erin' shows them), "
                                  "or --all"),
    (("token", "revoke", "erin", "1", "--all"), "or --all, not both"),
    (("token", "revoke", "ada", "1"), "'ada' has no API token number 1"),  # erin's token, not ada's
]


@SQLITE_ONLY
def test_refusals_write_nothing(cli: Cli, team: Inventory) -> None:
    """One inventory for the table (each refusal must leave it byte for byte as it was)."""
    _token(cli, team, "erin", "nightly import")  # token number 1
    before = team.snapshot()
    for args, message in REFUSALS:
        res = cli(*args, *team.db)
        assert res.code != 0 and message in " ".join(res.stderr.split()), (args, res.stderr)
        assert "Traceback" not in res.stderr, args
        assert team.snapshot() == before, args


@SQLITE_ONLY
def test_passwd_of_a_disabled_user_says_how_to_enable_them(cli: Cli, team: Inventory,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("user", "disable", "erin", *team.db).code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("another horse\n"))
    res = cli("user", "passwd", "erin", "--password-stdin", *team.db)
    assert res.code == 0 and "until enabled again: smpatlas user enable erin" in res.stderr


@pytest.mark.parametrize("command", [("user", "role"), ("user", "disable"), ("user", "enable"),
                                     ("token", "list"), ("token", "revoke")])
def test_help_has_an_example(cli: Cli, command: tuple[str, ...]) -> None:
    res = cli(*command, "--help")
    assert res.code == 0 and f"smpatlas {' '.join(command)} anna" in res.stdout
