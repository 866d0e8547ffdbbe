"""``smpatlas user add|passwd|list`` and ``token create``: bad input gets one clear message, and nothing is written.

Covers: a password prompt without a terminal, passwords of blanks or control characters, names that look like
an existing one, ``user passwd`` (also for users restored without a usable password), disabled users shown by
``user list`` and refused a token, and the exit codes of these refusals.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
import typer

from smpatlas.store import database
from smpatlas.store import users as users_store
from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
PW = "correct horse"


class _Terminal(io.StringIO):
    """Standard input that is a terminal (what nobody typed is read from the monkeypatched prompt)."""

    def isatty(self) -> bool:
        return True


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str | None, *, tty: bool = False) -> None:
    """Give the command ``text`` on standard input (None: an empty pipe, as from /dev/null or cron)."""
    monkeypatch.setattr(sys, "stdin", (_Terminal if tty else io.StringIO)(text or ""))


def _prompt_answers(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> list[str]:
    """Make the hidden password prompt answer ``answer``; None: fail the test if anybody is prompted."""
    asked: list[str] = []

    def prompt(text: str, **kw: Any) -> str:
        asked.append(text)
        assert kw.get("hide_input") is True
        if answer is None:
            raise AssertionError(f"prompted for {text!r} without a terminal")
        return answer

    monkeypatch.setattr(typer, "prompt", prompt)
    return asked


def _add(cli: Cli, inv: Inventory, monkeypatch: pytest.MonkeyPatch, name: str, password: str = PW,
         role: str = "viewer") -> Result:
    _stdin(monkeypatch, password + "\n")
    return cli("user", "add", name, "--role", role, "--password-stdin", *inv.db)


def _disable(inv: Inventory, name: str) -> None:
    engine = database.open_engine(inv.url, create_if_missing=False)
    try:
        with engine.begin() as conn:
            users_store.set_active(conn, name=name, active=False)
    finally:
        engine.dispose()


def _logs_in(inv: Inventory, name: str, password: str) -> str | None:
    """The stored name ``name`` logs in as with ``password``, or None."""
    engine = database.open_engine(inv.url, create_if_missing=False)
    try:
        with engine.begin() as conn:
            found = users_store.authenticate(conn, name=name, password=password)
    finally:
        engine.dispose()
    return None if found is None else str(found["name"])


# -- user add: every refusal is one message, said before the password is asked for, nothing written --------

@SQLITE_ONLY
@pytest.mark.parametrize(("args", "stdin", "code", "words"), [
    # no terminal and no --password-stdin: say so (not GetPassWarning and "Aborted!")
    (("dave",), None, 1, ("No terminal to type the password of 'dave' in",
                          "echo \"$PASSWORD\" | smpatlas user add dave --password-stdin")),
    (("dave", "--password-stdin"), None, 1, ("No password given: standard input was empty",)),
    (("dave", "--password-stdin"), " " * 8 + "\n", 1, ("The password of 'dave' is only spaces",)),
    (("dave", "--password-stdin"), "abc\x00defghij\n", 1, ("a control character (U+0000)",)),
    (("dave", "--password-stdin"), "short\n", 1, ("too short: use at least 8 characters",)),
    (("ev\x1bil", "--password-stdin"), PW, 1, ("contains a control or invisible character (U+001B)",)),
    (("x" * 201, "--password-stdin"), PW, 1, ("A user name must have 1 to 200 characters, not 201.",)),
    (("ev\x1bil",), None, 1, ("U+001B",)),  # the name is refused before anybody is asked for a password
    (("Anna",), None, 1, ("No terminal",)),
    (("carl", "--role", "superuser", "--password-stdin"), PW, 2, ("'superuser' is not one of",)),  # a usage error
], ids=["no-terminal", "empty-stdin", "blank-password", "nul-in-password", "short-password", "escape-in-name",
        "long-name", "bad-name-before-prompt", "no-terminal-2", "unknown-role"])
def test_user_add_refusals(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                           stdin: str | None, code: int, words: tuple[str, ...]) -> None:
    """Input errors of ``user add`` exit 1 as every ConfigError does (2 is Click's, for usage errors)."""
    assert cli("init", *fresh_db.db).code == 0
    before = fresh_db.snapshot()
    _stdin(monkeypatch, stdin)
    _prompt_answers(monkeypatch, None)
    res = cli("user", "add", *args, *fresh_db.db)
    assert res.code == code, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr
    assert "Aborted" not in res.stderr and "Warning" not in res.stderr and "Internal error" not in res.stderr
    assert "\x1b" not in res.stderr  # an escape in the name is shown (\\x1b), not sent to the terminal
    if code == 1:  # one message, the CLI's own
        assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1, res.stderr
    assert fresh_db.snapshot() == before


@SQLITE_ONLY
def test_user_add_prompts_at_a_terminal(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "", tty=True)
    asked = _prompt_answers(monkeypatch, PW)
    res = cli("user", "add", "dave", "--role", "editor", *fresh_db.db)
    assert res.code == 0 and "Added dave (editor)." in res.stdout, res.stderr
    assert asked == ["Password for dave"] and _logs_in(fresh_db, "dave", PW) == "dave"


@pytest.mark.parametrize(("stored", "typed"), [
    ("Jos\u00e9", "Jose\u0301"), ("Jose\u0301", "Jos\u00e9"), ("Ana", "\uff41na"), ("ana", "ANA"),
], ids=["nfc-then-nfd", "nfd-then-nfc", "fullwidth", "case"])
def test_a_name_that_looks_like_an_existing_one_is_refused(cli: Cli, fresh_db: Inventory,
                                                           monkeypatch: pytest.MonkeyPatch, stored: str,
                                                           typed: str) -> None:
    assert _add(cli, fresh_db, monkeypatch, stored).code == 0
    res = _add(cli, fresh_db, monkeypatch, typed)
    assert res.code == 1 and f"A user named {stored!r} exists already" in res.stderr, res.stderr
    assert [u["name"] for u in cli("user", "list", "-f", "json", *fresh_db.db).json()] == [stored]
    assert _logs_in(fresh_db, typed, PW) == stored  # log-in takes it for the same name


# -- user passwd ------------------------------------------------------------------------------------------

@SQLITE_ONLY
@pytest.mark.parametrize(("args", "stdin", "tty", "code", "words", "works"), [
    (("erin", "--password-stdin"), "a new long password\n", False, 0,
     ("New password set for erin; their web sessions have ended.",), "a new long password"),
    (("erin",), "", True, 0, ("New password set for erin",), "typed at the prompt"),
    (("erin",), None, False, 1, ("No terminal to type the password of 'erin' in",
                                 "smpatlas user passwd erin --password-stdin"), PW),
    (("erin", "--password-stdin"), "short\n", False, 1, ("too short",), PW),
    (("erin", "--password-stdin"), " " * 10 + "\n", False, 1, ("is only spaces",), PW),
    (("erin", "--password-stdin"), "tab\there-too\n", False, 1, ("a control character (U+0009)",), PW),
    (("nobody", "--password-stdin"), "a new long password\n", False, 1,
     ("No user named 'nobody'", "smpatlas user list"), PW),
    (("ERIN",), None, False, 1, ("No user named 'ERIN'", "did you mean 'erin'?"), PW),  # asked before the prompt
], ids=["stdin", "prompt", "no-terminal", "short", "blank", "tab", "unknown", "case"])
def test_user_passwd(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                     stdin: str | None, tty: bool, code: int, words: tuple[str, ...], works: str) -> None:
    assert _add(cli, fresh_db, monkeypatch, "erin").code == 0
    _stdin(monkeypatch, stdin, tty=tty)
    _prompt_answers(monkeypatch, "typed at the prompt" if tty else None)
    res = cli("user", "passwd", *args, *fresh_db.db)
    assert res.code == code, res.stdout + res.stderr
    for w in words:
        assert w in res.stdout + res.stderr
    assert "Internal error" not in res.stderr
    assert _logs_in(fresh_db, "erin", works) == "erin"


def test_user_passwd_help_has_an_example(cli: Cli) -> None:
    res = cli("user", "passwd", "--help")
    assert res.code == 0 and "smpatlas user passwd anna" in res.stdout and "--password-stdin" in res.stdout
    assert "passwd" in cli("user", "--help").stdout


@SQLITE_ONLY
def test_restored_users_can_be_given_a_password(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Any) -> None:
    """An archive holds no passwords: after a restore nobody logs in until ``user passwd``."""
    assert _add(cli, fresh_db, monkeypatch, "anna", role="admin").code == 0
    assert cli("dump", "--out", tmp_path / "a.zip", *fresh_db.db).code == 0
    restored = Inventory("sqlite", str(tmp_path / "restored.db"))
    assert cli("restore", tmp_path / "a.zip", *restored.db).code == 0
    assert _logs_in(restored, "anna", PW) is None
    _stdin(monkeypatch, "a new long password\n")
    res = cli("user", "passwd", "anna", "--password-stdin", *restored.db)
    assert res.code == 0, res.stderr
    assert _logs_in(restored, "anna", "a new long password") == "anna"


# -- disabled users: shown by user list, refused a token ---------------------------------------------------

def test_user_list_shows_disabled_users(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, role in (("anna", "admin"), ("erin", "editor")):
        assert _add(cli, fresh_db, monkeypatch, name, role=role).code == 0
    _disable(fresh_db, "erin")
    text = cli("user", "list", *fresh_db.db).stdout
    assert re.search(r"^anna\s+admin\s+\d{4}-\d\d-\d\d\s+active$", text, re.M), text
    assert re.search(r"^erin\s+editor\s+\d{4}-\d\d-\d\d\s+disabled$", text, re.M), text
    assert [u["active"] for u in cli("user", "list", "-f", "json", *fresh_db.db).json()] == [True, False]


def test_no_token_for_a_disabled_user(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _add(cli, fresh_db, monkeypatch, "anna", role="admin").code == 0
    assert _add(cli, fresh_db, monkeypatch, "erin").code == 0
    _disable(fresh_db, "erin")
    before = fresh_db.snapshot()
    res = cli("token", "create", "erin", *fresh_db.db)
    assert res.code == 1 and res.stdout == "", res.stdout
    assert "'erin' is disabled" in res.stderr and "no token was created" in res.stderr
    assert "enable them again (smpatlas user enable erin, or on the web app's Users page" in res.stderr
    assert "/admin/users" in res.stderr
    assert fresh_db.snapshot() == before
    assert cli("token", "create", "anna", *fresh_db.db).stdout.startswith(users_store.TOKEN_PREFIX)


@SQLITE_ONLY
def test_a_password_on_stdin_that_is_not_utf8(cli: Cli, fresh_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 au lait\n"), encoding="utf-8"))
    res = cli("user", "add", "dave", "--password-stdin", *fresh_db.db)
    assert res.code == 1 and res.stderr == "Error: The password on standard input is not UTF-8 text.\n", res.stderr
