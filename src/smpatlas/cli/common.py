"""Shared CLI pieces: options defined once, error rendering, output helpers."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from smpatlas.errors import SmpAtlasError, ValidationFailed

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="SMPATLAS_DATABASE_URL", show_envvar=True,
                 help="Inventory database: a SQLite file path (default smpatlas.db) or a database URL."),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who makes the change, for the history (default: your login name).")
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output format.")]

# Filters shared by list, export (and later stats, assess, report).
Origin = Annotated[list[str] | None, typer.Option("--origin", help="Origin country (code or name); repeatable.")]
Destination = Annotated[list[str] | None, typer.Option("--destination", help="Destination country; repeatable.")]
SkillLevel = Annotated[list[str] | None, typer.Option("--skill-level", help="high, middle, low; repeatable.")]
Mobility = Annotated[list[str] | None, typer.Option("--mobility", help="long_term, circular, short_term.")]
Sector = Annotated[list[str] | None, typer.Option("--sector", help="Sector, e.g. health_care; repeatable.")]
Status = Annotated[list[str] | None, typer.Option("--status", help="planned, ongoing, completed, suspended.")]
Type = Annotated[list[str] | None, typer.Option("--type", help="Partnership type; repeatable.")]
YearFrom = Annotated[int | None, typer.Option(
    "--year-from", help="Active in or after this year (a completed partnership without an end year counts as "
    "active up to the current year only).")]
YearTo = Annotated[int | None, typer.Option("--year-to", help="Started in or before this year.")]
Text = Annotated[str | None, typer.Option(
    "--text", help="Words to find in name, acronym, summary, actors, notes (case and accents ignored).")]
G2G = Annotated[bool | None, typer.Option("--g2g/--not-g2g", help="Only government-to-government (or only not).")]


def filters(origin: list[str] | None = None, destination: list[str] | None = None,
            skill_level: list[str] | None = None, mobility: list[str] | None = None,
            sector: list[str] | None = None, status: list[str] | None = None, type: list[str] | None = None,
            year_from: int | None = None, year_to: int | None = None, text: str | None = None,
            g2g: bool | None = None) -> Any:
    from smpatlas.store.filters import Filters

    return Filters(
        origin=origin or [], destination=destination or [], skill_level=skill_level or [],
        mobility=mobility or [], sector=sector or [], status=status or [], type=type or [],
        year_from=year_from, year_to=year_to, text=text, g2g=g2g,
    ).normalised()


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_or_check(text: str, check: Path | None) -> None:
    """Print a generated document, or (with --check FILE) exit 1 when FILE differs from it."""
    if check is None:
        sys.stdout.write(text)
        return
    if not check.exists() or check.read_text("utf-8") != text:
        err.print(f"{check} is stale: regenerate it with 'make docs'.", markup=False)
        raise typer.Exit(1)
    err.print(f"{check} is current.", markup=False)


def run(app: Callable[..., Any]) -> None:
    """Run the Typer app, rendering user errors as one clear message (never a traceback).

    Usage errors, --help and Ctrl-C are handled by Typer itself (standalone mode).
    """
    try:
        app()
    except SmpAtlasError as exc:
        if isinstance(exc, ValidationFailed):
            err.print(exc.report.to_text(limit=200), markup=False)
        else:
            err.print(f"Error: {exc}", style="bold red", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was written.")
        sys.exit(130)
    except Exception as exc:  # a bug: say so, briefly
        if os.environ.get("SMPATLAS_DEBUG"):
            traceback.print_exc()
        err.print(
            f"Internal error: {type(exc).__name__}: {exc}\nThis is a bug in SMP Atlas; please report it with "
            "the command you ran (set SMPATLAS_DEBUG=1 to see the traceback).",
            style="red", markup=False,
        )
        sys.exit(1)
