"""Assembles the ``smpatlas`` command from one module per command."""

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


from smpatlas.cli import (  # noqa: E402  (commands register themselves on import)
    cmd_assess,
    cmd_codebook,
    cmd_db,
    cmd_demo,
    cmd_edit,
    cmd_export,
    cmd_import,
    cmd_list,
    cmd_show,
    cmd_stats,
)

__all__ = [
    "app",
    "cmd_assess",
    "cmd_codebook",
    "cmd_db",
    "cmd_demo",
    "cmd_edit",
    "cmd_export",
    "cmd_import",
    "cmd_list",
    "cmd_show",
    "cmd_stats",
]


def entrypoint() -> None:
    from smpatlas.cli.common import run

    run(app)
