"""The CLI's modules keep to the house style: under 500 lines each, commands registered by their ``cmd_*`` modules.

``cmd_assess`` (514 lines) was split: the commands stay in it, what they print as text is in
``smpatlas.cli.assessment_text``; ``smpatlas --help`` lists the assessment commands where and as it did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import smpatlas.cli
from smpatlas.cli.app import COMMAND_MODULES, app

CLI = Path(smpatlas.cli.__file__).parent
MAX_LINES = 500


@pytest.mark.parametrize("module", sorted(p.name for p in CLI.glob("*.py")))
def test_module_is_under_the_house_limit(module: str) -> None:
    n = len((CLI / module).read_text("utf-8").splitlines())
    assert n < MAX_LINES, f"src/smpatlas/cli/{module} has {n} lines; split it (house style: under {MAX_LINES})"


def test_assessment_commands_are_registered_as_before() -> None:
    names = [c.name for c in app.registered_commands]
    i = names.index("assess")
    assert names[i:i + 4] == ["assess", "whatif", "benchmark", "rubric"]
    assert names[:i] == ["dump", "restore", "edit", "delete"]  # the order 'smpatlas --help' lists them in
    assert "smpatlas.cli.assessment_text" not in {f"smpatlas.cli.{m}" for m in COMMAND_MODULES}
    from smpatlas.cli import cmd_assess

    assert {c.callback.__module__ for c in app.registered_commands if c.name in names[i:i + 4]} == {  # type: ignore[union-attr]
        cmd_assess.__name__}
