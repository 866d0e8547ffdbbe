"""``smpatlas edit``, ``delete`` and ``import`` keep in the history only a ``--user`` that prints as typed.

The rules are those of account names (``smpatlas.store.users.check_name``); a refused ``--user`` writes nothing
and is said before ``delete`` asks for confirmation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import BUNDLED, Result

Cli = Callable[..., Result]
RID = "de-ph-triple-win"
COMMANDS = {"edit": ("edit", RID, "--set", "notes=x"), "delete": ("delete", RID),  # delete asks unless --yes
            "import": ("import", str(BUNDLED), "--mode", "upsert")}


@pytest.mark.parametrize(("user", "words"), [
    ("evil\x1b[31mRED", ("The --user value 'evil\\x1b[31mRED' contains a control or invisible character (U+001B)",)),
    ("x" * 1_000_000, ("The --user value must have 1 to 200 characters, not 1,000,000.",)),  # VARCHAR(200)
    ("x" * 201, ("must have 1 to 200 characters, not 201",)),
    ("", ("The --user value must have 1 to 200 characters.",)),
    (" anna", ("The --user value ' anna' begins or ends with a space",)),
    ("an\u200bna", ("(U+200B)",)),
    ("anna\n", ("begins or ends with a space",)),
], ids=["escape", "million", "201", "empty", "leading-space", "zero-width-space", "newline"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_user_that_does_not_print_as_typed_is_refused(cli: Cli, demo_db: Inventory, command: str, user: str,
                                                        words: tuple[str, ...]) -> None:
    before = demo_db.snapshot()
    res = cli(*COMMANDS[command], "--user", user, *demo_db.db)
    assert res.code == 1, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr
    assert "\x1b" not in res.stderr and len(res.stderr) < 1000 and "Internal error" not in res.stderr
    assert "Delete" not in res.stdout + res.stderr  # refused before the confirmation
    assert demo_db.snapshot() == before


@pytest.mark.parametrize("user", ["anna", "Anna Müller-Łukasz", "y" * 200, "李小龍"], ids=["ascii", "latin", "200", "cjk"])
@pytest.mark.parametrize("command", ["edit", "delete"])
def test_a_printable_user_is_kept_in_the_history_as_typed(cli: Cli, demo_db: Inventory, command: str,
                                                          user: str) -> None:
    res = cli(*COMMANDS[command], "--yes" if command == "delete" else "--set=status=completed", "--user", user,
              *demo_db.db)
    assert res.code == 0, res.stderr
    shown = cli("show", RID, "--format", "json", *demo_db.db).json()
    assert user in {h["user_name"] for h in shown["history"]}
    if command == "delete":
        assert shown["deleted"]["user"] == user
