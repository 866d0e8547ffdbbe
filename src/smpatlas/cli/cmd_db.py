"""``smpatlas init`` and ``smpatlas db upgrade``: create and migrate inventories."""

from __future__ import annotations

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")


@app.command("init")
def init(db: c.DbOption = None) -> None:
    """Create an empty inventory (or bring an existing one to the current schema).

    Example:

        smpatlas init --db atlas.db
    """
    from smpatlas.store import database

    engine = database.create(database.resolve_url(db))
    try:
        what = database.upgrade(engine)
        if what == "created":
            database.seed_reference_data(engine)
    finally:
        engine.dispose()
    c.out.print(f"Inventory {database.shown(db or database.resolve_url(db))}: {what}.", markup=False)


@db_app.command("upgrade")
def upgrade(db: c.DbOption = None) -> None:
    """Migrate an inventory to the current schema (downgrades are refused).

    Example:

        smpatlas db upgrade --db atlas.db
    """
    from smpatlas.errors import ConfigError
    from smpatlas.store import database

    url = database.resolve_url(db)
    path = database.sqlite_path(url)
    if path is not None and (not path.exists() or (path.is_file() and path.stat().st_size == 0)):
        # a mistyped name would become a new, empty inventory
        raise ConfigError(f"No SMP Atlas inventory at {str(path)!r} to upgrade; check the name, or create one "
                          "with 'smpatlas init'.")
    engine = database.create(url)
    try:
        if database.state(engine) == "empty":
            raise ConfigError(f"{database.shown(url)!r} holds no SMP Atlas inventory to upgrade; create one with "
                              "'smpatlas init'.")
        what = database.upgrade(engine)
        if what != "already current":
            database.seed_reference_data(engine)  # new reference tables start with the shipped data
    finally:
        engine.dispose()
    c.out.print(f"Inventory {database.shown(db or database.resolve_url(db))}: {what}.", markup=False)
