"""``smpatlas demo``: load the bundled inventory of real partnerships and summarise it."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

import typer

from smpatlas.analysis.overview import overview
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.countries import name_of
from smpatlas.errors import ValidationFailed
from smpatlas.io.importer import import_files
from smpatlas.store import database


def bundled_inventory() -> str:
    return str(resources.files("smpatlas").joinpath("data/inventory/partnerships.jsonl"))


@app.command("demo")
def demo(
    db: Annotated[str, typer.Option("--db", help="Where to create the demo inventory.")] = "smpatlas-demo.db",
) -> None:
    """Load the bundled, source-cited inventory into a SQLite file and summarise it.

    Running it again brings the file back to the bundled inventory.

    Example:

        smpatlas demo --db demo/atlas.db
    """
    engine = database.open_engine(db)
    try:
        report = import_files(engine, [bundled_inventory()], mode="replace", user="smpatlas-demo")
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
