"""``smpatlas import`` and ``smpatlas validate``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from smpatlas.cli.app import app
from smpatlas.cli.common import DbOption, UserOption, check_choice, err, out, print_json
from smpatlas.problems import Report

Files = Annotated[list[Path], typer.Argument(help="CSV, XLSX, JSON or JSON Lines files (or a datapackage.json).",
                                             show_default=False)]
Sheet = Annotated[str | None, typer.Option(
    "--sheet", help="XLSX sheet to read (default: the sheet called 'partnerships', else the first visible worksheet "
    "that holds a table: a cover sheet in front of the data is passed over).")]
ReportFormat = Annotated[str, typer.Option("--report-format", help="text or json.")]


def _run(files: list[Path], db: str | None, mode: str, dry_run: bool, sheet: str | None, report_format: str,
         user: str | None) -> None:
    from smpatlas.io.importer import MODES, import_files
    from smpatlas.store import database
    from smpatlas.store.users import check_name

    mode = check_choice(mode, MODES, "--mode")
    report_format = check_choice(report_format, ("text", "json"), "--report-format")
    if user is not None:
        check_name(user, option="--user")  # it goes into the history of every record written
    engine = database.open_engine(db)
    try:
        report = _with_progress(lambda progress: import_files(
            engine, files, mode=mode, dry_run=dry_run, sheet=sheet, user=user, progress=progress))
    finally:
        engine.dispose()
    _print(report, report_format)
    raise typer.Exit(0 if report.valid else 2)


def _with_progress(fn: Callable[[Any], Report]) -> Report:
    if not err.is_terminal:
        return fn(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("importing"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("import", total=None, rows=0)

        def progress(rows: int, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None, rows=rows)

        return fn(progress)


def _print(report: Report, fmt: str) -> None:
    if fmt == "json":
        print_json(report.to_dict())
        return
    target = out if report.valid else err
    target.print(report.to_text(limit=None if report.valid else 500), markup=False)


@app.command("import")
def import_(
    files: Files,
    db: DbOption = None,
    mode: Annotated[str, typer.Option("--mode", help="insert (ids must be new), upsert (add or update), "
                                      "replace (the files become the whole inventory).")] = "insert",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    sheet: Sheet = None,
    report_format: ReportFormat = "text",
    user: UserOption = None,
) -> None:
    """Import partnerships from spreadsheets or JSON — every row or nothing.

    Every problem is listed with file, sheet, row, column, value and a hint;
    if there is any, nothing is written. Exit code 0 on success, 2 on
    validation errors, 1 on other failures.

    Example:

        smpatlas import partnerships.xlsx --db atlas.db

        smpatlas import corrections.csv --mode upsert --user anna
    """
    _run(files, db, mode, dry_run, sheet, report_format, user)


@app.command("validate")
def validate(
    files: Files,
    db: DbOption = None,
    mode: Annotated[str, typer.Option("--mode", help="As for import (and the same default): insert checks that ids "
                                      "are new; use --mode upsert to check corrections of existing records.")
                    ] = "insert",
    sheet: Sheet = None,
    report_format: ReportFormat = "text",
) -> None:
    """Check files as 'import --dry-run' would (same modes, same default); write nothing.

    Example:

        smpatlas validate partnerships.xlsx --report-format json

        smpatlas validate corrections.csv --mode upsert
    """
    _run(files, db, mode, True, sheet, report_format, None)
