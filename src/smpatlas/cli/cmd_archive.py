"""``smpatlas dump`` and ``smpatlas restore``: move a whole inventory between databases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.problems import Problem


@app.command("dump")
def dump(
    out: Annotated[Path, typer.Option("--out", "-o", help="The archive to write (.zip).")],
    db: c.DbOption = None,
) -> None:
    """Write the whole inventory (records, history, shortage tables, users without secrets) to an archive.

    Example:

        smpatlas dump --out atlas-2026-11-27.zip --db atlas.db
    """
    from smpatlas.store import archive, database

    engine = database.open_engine(db, create_if_missing=False)
    try:
        manifest = archive.dump(engine, out)
    finally:
        engine.dispose()
    counts = ", ".join(f"{n} {k}" for k, n in manifest["counts"].items())
    c.out.print(f"Wrote {out}: {counts}.", markup=False)


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by 'smpatlas dump'.")],
    db: c.DbOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace everything in a non-empty inventory.")] = False,
) -> None:
    """Load an archive into an inventory (SQLite or PostgreSQL), all or nothing.

    Example:

        smpatlas restore atlas-2026-11-27.zip --db postgresql+psycopg://atlas@dbhost/atlas
    """
    from smpatlas.store import archive, database

    engine = database.open_engine(db)
    warnings: list[Problem] = []
    try:
        counts = archive.restore(engine, file, force=force, warnings=warnings)
    finally:
        engine.dispose()
    for w in warnings:
        c.err.print(f"warning: {w.text()}", markup=False)
    c.out.print(f"Restored {file}: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".", markup=False)
