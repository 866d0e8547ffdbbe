"""Assembles the ``smpatlas`` command from one module per command.

Every invocation imports all command modules, so they import at module level only Typer, Rich and the
light modules (errors, problems, codebook, normalise, countries, display); the database layer,
analysis, reports and the web app are imported inside the commands that use them. ``smpatlas --help``
starts in about a quarter of the time it took when they were imported up front
(``tests/cli/test_startup.py`` keeps it so).
"""

from __future__ import annotations

import typer

from smpatlas import __version__

app = typer.Typer(
    name="smpatlas",
    help="SMP Atlas: build, analyse and publish inventories of skills mobility partnerships.\n\n"
    "Example:\n\n    smpatlas demo\n\n    smpatlas import partnerships.xlsx --db atlas.db",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"smpatlas {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """SMP Atlas: build, analyse and publish inventories of skills mobility partnerships."""


def _register_commands() -> list[str]:
    """Import every ``cmd_*`` module of this package: each registers its commands on ``app``."""
    import importlib
    import pkgutil

    import smpatlas.cli as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("cmd_"))
    for name in names:
        importlib.import_module(f"smpatlas.cli.{name}")
    return names


COMMAND_MODULES = _register_commands()
__all__ = ["COMMAND_MODULES", "app", "entrypoint"]


def entrypoint() -> None:
    from smpatlas.cli.common import run

    run(app)
