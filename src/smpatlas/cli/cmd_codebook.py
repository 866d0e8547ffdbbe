"""``smpatlas codebook``: print the codebook (the source of docs/codebook.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpatlas import codebook
from smpatlas.cli import common as c
from smpatlas.cli.app import app


@app.command("codebook")
def codebook_(
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json.")] = "markdown",
    check: Annotated[Path | None, typer.Option("--check", help="Exit 1 if this file differs from the output.")] = None,
) -> None:
    """Print the codebook: every field, its type, vocabulary and description.

    Example:

        smpatlas codebook --format markdown > docs/codebook.md

        smpatlas codebook --check docs/codebook.md
    """
    fmt = c.check_choice(fmt, ("markdown", "json"), "--format")
    text = codebook.to_markdown() if fmt == "markdown" else codebook.to_json()
    c.print_or_check(text, check)
