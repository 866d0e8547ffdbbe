"""``smpatlas export``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app


@app.command("export")
def export_(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (a folder for datapackage; '-' for "
                                      "standard output with csv, jsonl or json).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx, jsonl, json or datapackage.")] = "csv",
    db: c.DbOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Export the inventory (or a filtered part) in a format that imports back unchanged.

    XLSX has a frozen header, a codebook sheet and dropdowns; datapackage writes
    a Frictionless Data Package (datapackage.json + CSV + Table Schema).

    Example:

        smpatlas export --format xlsx --out inventory.xlsx --destination DEU

        smpatlas export --format jsonl --out - | gzip > inventory.jsonl.gz
    """
    from smpatlas.io.exporter import FORMATS, STDOUT, export
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    fmt = c.check_choice(fmt, FORMATS, "--format")
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            n = export(repo.select_records(conn, f), fmt, out)
    except BrokenPipeError:  # '--out - | head': the reader stopped reading; not an error worth a message
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    where = "standard output" if str(out) == STDOUT else str(out)
    c.err.print(f"Wrote {n} partnership{'s' if n != 1 else ''} to {where}.", markup=False)
