"""Start-up: the command line loads only what the command it runs needs.

Every ``smpatlas`` command imports the CLI with all its commands; the database layer (SQLAlchemy,
Alembic), record validation, analysis, reports and the web app are imported by the commands that use
them, when they run. So ``smpatlas --help`` and every command's ``--help`` load none of them.
(pydantic is not on the list: Typer itself imports it to read a command's options.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Packages and modules that ``--help`` must not load (top-level names, or smpatlas module prefixes; the
#: light ``smpatlas.analysis.stats_options`` holds the values the ``stats`` command shows in its help).
HEAVY_PACKAGES = ("sqlalchemy", "alembic", "fastapi", "starlette", "jinja2", "openpyxl",
                  "python_calamine", "vl_convert", "weasyprint", "uvicorn", "hypothesis")
HEAVY_MODULES = ("smpatlas.store", "smpatlas.atlas", "smpatlas.record", "smpatlas.partnership", "smpatlas.analysis.",
                 "smpatlas.io",
                 "smpatlas.reference", "smpatlas.report", "smpatlas.web.app", "smpatlas.web.pages")

_PROBE = """
import json, sys
from typer.testing import CliRunner
from smpatlas.cli.app import app
from typer.main import get_command

group = get_command(app)
runner = CliRunner()
helps = {}
for argv in [[]] + [[name] for name in group.commands] + [
        [name, sub] for name, cmd in group.commands.items() for sub in getattr(cmd, "commands", {})]:
    result = runner.invoke(app, [*argv, "--help"])
    helps[" ".join(argv)] = result.exit_code
heavy = sorted(m for m in sys.modules if m != "smpatlas.analysis.stats_options"
               and (m.split(".")[0] in HEAVY_PACKAGES or m.startswith(HEAVY_MODULES)))
print(json.dumps({"helps": helps, "heavy": heavy}))
"""


def _probe(prelude: str = "") -> dict[str, object]:
    code = (f"HEAVY_PACKAGES = {HEAVY_PACKAGES!r}\nHEAVY_MODULES = {HEAVY_MODULES!r}\n{prelude}\n" + _PROBE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_help_of_every_command_loads_no_heavy_module() -> None:
    got = _probe()
    helps = got["helps"]
    assert isinstance(helps, dict) and len(helps) > 15, helps  # the main help, every command and sub-command
    assert all(code == 0 for code in helps.values()), helps
    assert got["heavy"] == []


@pytest.mark.parametrize("module", ["sqlalchemy", "smpatlas.store.database"])
def test_the_probe_sees_a_heavy_import(module: str) -> None:
    """The check above can fail: a module imported before the commands shows up."""
    assert module in _probe(prelude=f"import {module}")["heavy"]
