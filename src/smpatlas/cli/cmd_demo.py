"""``smpatlas demo``: load the bundled inventory of real partnerships and summarise it."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.countries import name_of
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.problems import Report

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEMO_USER = "smpatlas-demo"  # the history's user for what demo writes: it tells a demo inventory


def bundled_inventory() -> str:
    return str(resources.files("smpatlas").joinpath("data/inventory/partnerships.jsonl"))


def _made_by_demo(engine: Engine) -> bool | None:
    """Whether the inventory's first change was demo's (None: nothing was ever written to it)."""
    from sqlalchemy import select

    from smpatlas.store.schema import history

    with engine.connect() as conn:
        first = conn.execute(select(history.c.user_name).order_by(history.c.id).limit(1)).scalar()
    return None if first is None else first == DEMO_USER


def _afresh(path: Path) -> tuple[Engine, Report]:
    """The bundled inventory in a new file that then takes ``path``'s place (the old one is not touched on failure)."""
    from smpatlas.io.importer import import_files
    from smpatlas.store import database

    new = path.with_name(path.name + ".new")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{new}{suffix}").unlink(missing_ok=True)
    engine = database.open_engine(str(new))
    report = import_files(engine, [bundled_inventory()], mode="replace", user=DEMO_USER)
    engine.dispose()
    if report.valid:
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(new, path)
    return database.open_engine(str(path)), report


@app.command("demo")
def demo(
    db: Annotated[str, typer.Option("--db", help="Where to create the demo inventory.")] = "smpatlas-demo.db",
) -> None:
    """Load the bundled, source-cited inventory into a SQLite file and summarise it.

    The file's folder is created when missing. Running it again brings the file back to the bundled
    inventory (a demo file whose bundled partnerships were deleted is made afresh, as ids are never
    reused: its user accounts go too).
    An inventory that demo did not make is refused: demo would replace its partnerships.

    Example:

        smpatlas demo --db demo/atlas.db
    """
    from smpatlas.analysis.overview import overview
    from smpatlas.io.importer import import_files
    from smpatlas.store import database

    target = database.sqlite_path(database.resolve_url(db))
    if target is not None and not target.parent.exists():  # a throwaway file: its folder is made for it
        try:
            target.parent.mkdir(parents=True)
        except OSError as exc:
            raise ConfigError(f"Cannot create the folder {str(target.parent)!r} for the demo inventory: "
                              f"{exc.strerror or exc}. Give another --db path.") from None
    engine = database.open_engine(db)
    try:
        made = _made_by_demo(engine)
        if made is False:
            raise ConfigError(f"{database.shown(db)} holds an inventory that 'smpatlas demo' did not make, and the "
                              "demo would replace its partnerships. Give the demo its own file, e.g. --db "
                              "demo/atlas.db.")
        report = import_files(engine, [bundled_inventory()], mode="replace", user=DEMO_USER)
        path = database.sqlite_path(database.resolve_url(db))
        if not report.valid and made and path is not None and {p.code for p in report.errors} == {"id_retired"}:
            engine.dispose()
            engine, report = _afresh(path)
        if not report.valid:
            raise ValidationFailed(report)
        with engine.connect() as conn:
            ov = overview(conn)
    finally:
        engine.dispose()
    c.out.print(f"[bold]SMP Atlas demo inventory[/bold] → {database.shown(db)}")
    for line in ov.sentences():
        c.out.print("  " + line, markup=False)
    c.out.print("  Origins: " + ", ".join(f"{name_of(x)}" for x in ov.origins), markup=False)
    c.out.print("  Destinations: " + ", ".join(f"{name_of(x)}" for x in ov.destinations), markup=False)
