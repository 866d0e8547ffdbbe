"""Shared CLI pieces: options defined once, error rendering, output helpers."""

from __future__ import annotations

import errno
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from smpatlas.errors import ConfigError, SmpAtlasError, ValidationFailed

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

# Filters shared by list, export, stats, assess, benchmark, align, chart and report inventory.
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
# Two flags, not one '--g2g/--not-g2g' pair: Click lets the last of a pair win silently, and both given at once
# contradict each other (refused by one_of).
G2G = Annotated[bool, typer.Option("--g2g", help="Only government-to-government partnerships.")]
NotG2G = Annotated[bool, typer.Option("--not-g2g", help="Only partnerships that are not government-to-government.")]


def one_of(yes: bool, no: bool, yes_option: str, no_option: str, neither: str) -> bool | None:
    """A choice made with two flags (``--g2g`` / ``--not-g2g``): True, False, or None when neither was given.

    Both at once contradict each other: refused, rather than letting one of them win silently. ``neither`` says
    what leaving both out does ("to select partnerships of both kinds").
    """
    if yes and no:
        raise ConfigError(f"{yes_option} and {no_option} contradict each other: give one of them, or neither "
                          f"{neither}.")
    return True if yes else False if no else None


def g2g_filter(g2g: bool | None, not_g2g: bool = False) -> bool | None:
    """The g2g filter from ``--g2g`` and ``--not-g2g`` (None: either kind)."""
    return one_of(bool(g2g), not_g2g, "--g2g", "--not-g2g", "to select partnerships of both kinds")


def filters(origin: list[str] | None = None, destination: list[str] | None = None,
            skill_level: list[str] | None = None, mobility: list[str] | None = None,
            sector: list[str] | None = None, status: list[str] | None = None, type: list[str] | None = None,
            year_from: int | None = None, year_to: int | None = None, text: str | None = None,
            g2g: bool | None = None, not_g2g: bool = False) -> Any:
    from smpatlas.store.filters import Filters

    return Filters(
        origin=origin or [], destination=destination or [], skill_level=skill_level or [],
        mobility=mobility or [], sector=sector or [], status=status or [], type=type or [],
        year_from=year_from, year_to=year_to, text=text, g2g=g2g_filter(g2g, not_g2g),
    ).normalised()


def filter_options(origin: list[str] | None = None, destination: list[str] | None = None,
                   skill_level: list[str] | None = None, mobility: list[str] | None = None,
                   sector: list[str] | None = None, status: list[str] | None = None, type: list[str] | None = None,
                   year_from: int | None = None, year_to: int | None = None, text: str | None = None,
                   g2g: bool | None = None, not_g2g: bool = False) -> list[str]:
    """The filter options given on the command line, as named there (arguments as for :func:`filters`)."""
    given = {"--origin": origin, "--destination": destination, "--skill-level": skill_level, "--mobility": mobility,
             "--sector": sector, "--status": status, "--type": type, "--year-from": year_from, "--year-to": year_to,
             "--text": text, "--g2g/--not-g2g": g2g_filter(g2g, not_g2g)}
    return [k for k, v in given.items() if v is not None and v != [] and v != ""]


def refuse_filters_with_id(record_id: str | None, used: list[str], portfolio: str) -> None:
    """Filters select the portfolio (``--all``): with one partnership ID there is nothing to filter.

    ``used`` is :func:`filter_options`; ``portfolio`` what ``--all`` does with them ("assess the filtered
    portfolio").
    """
    if record_id and used:
        raise ConfigError(f"{', '.join(used)} select{'s' if len(used) == 1 else ''} partnerships for --all; with one "
                          f"partnership ID there is nothing to filter. Drop {'it' if len(used) == 1 else 'them'}, or "
                          f"use --all to {portfolio}.")


def require_id(record_id: str | None, command: str, alternative: str = "") -> None:
    """Refuse an empty or blank partnership id (``smpatlas show ''``), saying how to find the ids.

    ``alternative`` is another way to run the command (", or --all for the portfolio").
    """
    if record_id is not None and not record_id.strip():
        given = "An empty partnership id was given" if not record_id else \
            f"A blank partnership id ({record_id!r}) was given"
        raise ConfigError(f"{given}: 'smpatlas {command}' needs the id of a partnership{alternative}. "
                          "'smpatlas list' shows each partnership with its id first; 'smpatlas list --text WORDS' "
                          "finds one by words of its name.")


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    """``value`` as the one of ``choices`` it names, in any case (``-f JSON`` is ``json``); else a usage error.

    The code after it sees the canonical value: use what this returns, not ``value``.
    """
    for choice in choices:
        if value.casefold() == choice.casefold():
            return choice
    raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_or_check(text: str, check: Path | None) -> None:
    """Print a generated document, or (with --check FILE) exit 1 when FILE differs from it."""
    if check is None:
        sys.stdout.write(text)
        return
    try:
        current = check.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{str(check)!r} not found: there is nothing to check (generate it with 'make docs').") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"Cannot read {str(check)!r}: {reason}.") from None
    if current != text:
        err.print(f"{check} is stale: regenerate it with 'make docs'.", markup=False)
        raise typer.Exit(1)
    err.print(f"{check} is current.", markup=False)


class _Stdout:
    """``sys.stdout`` as it is, except that it remembers the ``OSError`` a write or flush raised.

    So :func:`run` can tell "standard output failed" (a full disk, a closed pipe: the person's to fix) from an
    ``OSError`` anywhere else (a bug, unless it was turned into a :class:`SmpAtlasError` where it happened).
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.failure: OSError | None = None

    def write(self, text: str) -> Any:
        try:
            return self.stream.write(text)
        except OSError as exc:
            self.failure = exc
            raise

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self.failure = exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _stdout_failed(stdout: _Stdout, exc: BaseException) -> bool:
    """True when ``exc`` is the error writing (or flushing) standard output raised."""
    return isinstance(exc, OSError) and exc is stdout.failure


def _silence_stdout(stdout: _Stdout) -> None:
    """Point standard output at /dev/null, so the output still buffered does not fail again (with a traceback)
    when Python flushes it on exit."""
    try:
        fd = stdout.stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no file descriptor (tests capture output in memory)
        pass


def _stdout_error(stdout: _Stdout, exc: OSError) -> None:
    """Exit 1 after standard output failed: quietly for a closed pipe (``smpatlas list | head``), as Unix tools
    do, else with one line saying why (``> /dev/full``)."""
    _silence_stdout(stdout)
    if not (isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE):
        err.print(f"Error: Cannot write to standard output: {exc.strerror or exc}.", style="bold red", markup=False)
    sys.exit(1)


def run(app: Callable[..., Any]) -> None:
    """Run the Typer app, rendering user errors as one clear message (never a traceback).

    Usage errors, --help and Ctrl-C are handled by Typer itself (standalone mode). Standard output is flushed
    here, not on exit, so a full disk or a closed pipe behind it is an error message too (see
    :func:`_stdout_error`).
    """
    stdout = _Stdout(sys.stdout)
    sys.stdout = stdout  # type: ignore[assignment]
    try:
        _run(app, stdout)
    finally:
        sys.stdout = stdout.stream


def _run(app: Callable[..., Any], stdout: _Stdout) -> None:
    try:
        try:
            app()
        except SystemExit:
            stdout.flush()  # what is still buffered fails here, where it is reported, and not on exit
            raise
        stdout.flush()
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
        if _stdout_failed(stdout, exc):
            assert isinstance(exc, OSError)
            _stdout_error(stdout, exc)
        if os.environ.get("SMPATLAS_DEBUG"):
            traceback.print_exc()
        err.print(
            f"Internal error: {type(exc).__name__}: {exc}\nThis is a bug in SMP Atlas; please report it with "
            "the command you ran (set SMPATLAS_DEBUG=1 to see the traceback).",
            style="red", markup=False,
        )
        sys.exit(1)
